import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { userKeySalt } from '../../lambda/adapters/user-key-salt';
import { userKeySaltSource } from '../../lambda/configuration/function-settings';

const secrets = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:salt-AbCdEf';

beforeEach(() => secrets.reset());

describe('user key salt', () => {
  it('reads the secret once per execution environment and keeps it (a new salt would move users)', async () => {
    // Arrange
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
    const salt = userKeySalt({ secretArn: ARN }, new SecretsManagerClient({}));

    // Act
    const values = await Promise.all([salt(), salt(), salt()]);

    // Assert
    expect(values).toEqual(['k'.repeat(64), 'k'.repeat(64), 'k'.repeat(64)]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ARN });
  });

  it('retries on the next request after a failed read instead of caching the failure', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: 's'.repeat(32) });
    const salt = userKeySalt({ secretArn: ARN }, new SecretsManagerClient({}));

    await expect(salt()).rejects.toThrow();
    await expect(salt()).resolves.toBe('s'.repeat(32));
  });

  it('refuses a missing or short secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(userKeySalt({ secretArn: ARN }, new SecretsManagerClient({}))()).rejects.toThrow(
      'missing or too short',
    );
  });

  it('takes the secret ARN over a plain value, and needs one of them', async () => {
    expect(userKeySaltSource({ USER_KEY_SALT_SECRET_ARN: ARN, USER_KEY_SALT: 'x' })).toEqual({
      secretArn: ARN,
    });
    expect(userKeySaltSource({ USER_KEY_SALT: 'local-salt' })).toEqual({ value: 'local-salt' });
    await expect(userKeySalt({ value: 'local-salt' })()).resolves.toBe('local-salt');
    expect(() => userKeySaltSource({})).toThrow(
      'USER_KEY_SALT_SECRET_ARN or USER_KEY_SALT environment variable is not set',
    );
  });
});
