import { defaultProvider } from '../../lambda/entries/sdk-stand-ins/credential-provider-node';
import {
  EventStreamSerde,
  eventStreamSerdeProvider,
  resolveEventStreamSerdeConfig,
} from '../../lambda/entries/sdk-stand-ins/event-streams';

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
] as const;
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
});
afterEach(() => {
  for (const name of CREDENTIAL_VARIABLES) {
    const value = saved[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('credential chain stand-in (deployed bundles)', () => {
  it("gives the function role's credentials that Lambda puts in the environment", async () => {
    // Arrange
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });

    // Act
    const credentials = await defaultProvider({})();

    // Assert
    expect(credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('reads the environment on each call, and carries an expiry when one is set', async () => {
    const provider = defaultProvider();
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_CREDENTIAL_EXPIRATION: '2026-12-01T00:00:00Z',
    });

    await expect(provider()).resolves.toEqual({
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret',
      expiration: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('fails with the name the SDK chain uses when the environment has no credentials', async () => {
    await expect(defaultProvider()()).rejects.toMatchObject({
      name: 'CredentialsProviderError',
      message: expect.stringContaining('AWS_ACCESS_KEY_ID'),
    });
  });
});

describe('event streams stand-in (deployed bundles)', () => {
  it('lets a client be built without a marshaller, so only a streaming call fails, and says why', () => {
    const config = { region: 'us-east-1' };

    expect(resolveEventStreamSerdeConfig(config)).toBe(config);
    expect(config).not.toHaveProperty('eventStreamMarshaller');
    expect(() => eventStreamSerdeProvider()).toThrow('event streams are not bundled');
    expect(() => new EventStreamSerde()).toThrow('event streams are not bundled');
  });
});
