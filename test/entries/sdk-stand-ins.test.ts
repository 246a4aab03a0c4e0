import { EndpointCache as RealEndpointCache } from '@aws-sdk/endpoint-cache';
import fc from 'fast-check';
import { defaultProvider } from '../../lambda/entries/sdk-stand-ins/credential-provider-node';
import { EndpointCache } from '../../lambda/entries/sdk-stand-ins/endpoint-cache';
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

describe('endpoint cache stand-in (deployed bundles)', () => {
  const KEYS = ['a', 'b', 'c', 'd'];
  const operation = fc.oneof(
    fc.record({
      op: fc.constant('set' as const),
      key: fc.constantFrom(...KEYS),
      endpoints: fc.array(
        fc.record({
          Address: fc.constantFrom('x.example', 'y.example'),
          CachePeriodInMinutes: fc.constantFrom(0, 1, 10),
        }),
        { maxLength: 2 },
      ),
    }),
    fc.record({
      op: fc.constantFrom('get' as const, 'has' as const, 'delete' as const, 'getEndpoint' as const),
      key: fc.constantFrom(...KEYS),
    }),
    fc.record({ op: fc.constant('clear' as const) }),
    fc.record({ op: fc.constant('tick' as const), minutes: fc.constantFrom(0.5, 5) }),
  );

  it('answers every sequence of calls as the SDK’s own LRU cache does, eviction and expiry included', () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    try {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.array(operation, { maxLength: 40 }),
          (capacity, operations) => {
            const ours = new EndpointCache(capacity);
            const real = new RealEndpointCache(capacity);
            // One address per answer so that getEndpoint's random pick cannot differ.
            for (const step of operations) {
              if (step.op === 'tick') {
                jest.advanceTimersByTime(step.minutes * 60_000);
              } else if (step.op === 'clear') {
                ours.clear();
                real.clear();
              } else if (step.op === 'set') {
                const endpoints = step.endpoints.slice(0, 1);
                ours.set(step.key, endpoints);
                real.set(step.key, endpoints);
              } else {
                expect(ours[step.op](step.key)).toEqual(real[step.op](step.key));
              }
            }
            for (const key of KEYS) expect(ours.has(key)).toBe(real.has(key));
          },
        ),
        {
          numRuns: 300,
          // Reading an entry makes it the most recently used: the next set evicts the other one.
          examples: [
            [
              2,
              [
                { op: 'set', key: 'a', endpoints: [{ Address: 'x.example', CachePeriodInMinutes: 10 }] },
                { op: 'set', key: 'b', endpoints: [{ Address: 'y.example', CachePeriodInMinutes: 10 }] },
                { op: 'get', key: 'a' },
                { op: 'set', key: 'c', endpoints: [{ Address: 'x.example', CachePeriodInMinutes: 10 }] },
              ],
            ],
          ],
        },
      );
    } finally {
      jest.useRealTimers();
    }
  });
});
