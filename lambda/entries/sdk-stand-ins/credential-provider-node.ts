/**
 * Stands in for `@aws-sdk/credential-provider-node` in the deployed bundles (an esbuild alias,
 * lib/constructs/esm-bundling.ts). Lambda hands a function its role's credentials in environment
 * variables, so the rest of the SDK's default chain (SSO, ini files, web identity, process, ECS
 * and instance metadata, with the STS and SSO clients they carry) is code a function never runs:
 * about 116 KiB of every bundle. Local mode, the CLI and the tests run the handlers unbundled and
 * keep the full chain. If the SDK ever imports another name from the package, esbuild fails the
 * build instead of deploying something that breaks at run time.
 */

/** The name the SDK's chain gives this failure, so callers and logs see the same error. */
class CredentialsProviderError extends Error {
  override readonly name = 'CredentialsProviderError';
  readonly tryNextLink = false;
}

interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** What each SDK client calls at construction: `defaultProvider(init)` returns its credentials provider. */
export function defaultProvider(_init?: unknown): () => Promise<EnvironmentCredentials> {
  return async () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
      throw new CredentialsProviderError(
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function role)',
      );
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    const expiration = process.env.AWS_CREDENTIAL_EXPIRATION;
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      ...(expiration ? { expiration: new Date(expiration) } : {}),
    };
  };
}
