import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where the salt of user-key hashes comes from: a secret (deployed stacks) or a value (local mode). */
export type UserKeySaltSource = { readonly secretArn: string } | { readonly value: string };

/**
 * The key of the HMAC that turns user ids into user keys, read once per execution environment.
 * It must stay secret (whoever holds it can test guesses of user ids against stored keys) and
 * stable (a new salt would move every user to another canary bucket), so it is never refetched.
 * A failed read is retried by the next request rather than cached.
 */
export function userKeySalt(source: UserKeySaltSource, client?: SecretsManagerClient): () => Promise<string> {
  if ('value' in source) {
    const value = Promise.resolve(source.value);
    return () => value;
  }
  const secrets = client ?? new SecretsManagerClient({});
  let salt: Promise<string> | undefined;
  return () => {
    salt ??= secrets
      .send(new GetSecretValueCommand({ SecretId: source.secretArn }))
      .then(({ SecretString }) => {
        if (typeof SecretString !== 'string' || SecretString.length < 16)
          throw new Error('the user key salt secret is missing or too short');
        return SecretString;
      });
    salt.catch(() => {
      salt = undefined;
    });
    return salt;
  };
}
