import { USER_ERROR_EXIT_CODE, UserError } from '../lambda/core/errors';

export interface OneLineError {
  readonly message: string;
  readonly exitCode: number;
}

/** What to do about an AWS SDK error a person can fix on their side, by the error's name. */
const AWS_REMEDIES: Readonly<Record<string, string>> = {
  CredentialsProviderError:
    'no AWS credentials found: configure a profile (aws configure, AWS_PROFILE) or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  ExpiredTokenException: 'your AWS session has expired: sign in again (aws sso login, or new credentials)',
  ExpiredToken: 'your AWS session has expired: sign in again (aws sso login, or new credentials)',
  UnrecognizedClientException: 'AWS does not recognise these credentials: check the profile or keys in use',
  InvalidClientTokenId: 'AWS does not recognise these credentials: check the profile or keys in use',
  InvalidSignatureException: 'AWS rejected the request signature: check the secret key and the clock',
  AccessDeniedException: 'AWS denied access: your role needs read access to the stage (see the README)',
  AccessDenied: 'AWS denied access: your role needs read access to the stage (see the README)',
  ResourceNotFoundException:
    'the stage was not found in this account and region: is it deployed there (npx cdk deploy -c stage=…), and is AWS_REGION right?',
};

/**
 * The one line (and exit code) for an error a person can act on, or undefined for a bug, which
 * keeps its stack trace. User mistakes exit 2.
 */
export function oneLineError(error: unknown): OneLineError | undefined {
  if (error instanceof UserError) return { message: error.message, exitCode: USER_ERROR_EXIT_CODE };
  const athena = athenaRemedy(error);
  if (athena !== undefined) return { message: athena, exitCode: USER_ERROR_EXIT_CODE };
  const name = (error as { name?: unknown })?.name;
  const remedy = typeof name === 'string' ? AWS_REMEDIES[name] : undefined;
  if (remedy !== undefined) {
    // The SDK's own message often names the resource; one line of it, bounded.
    const detail = String((error as Error).message ?? '')
      .split('\n')[0]
      ?.slice(0, 200);
    return { message: `${remedy} (${name}: ${detail})`, exitCode: USER_ERROR_EXIT_CODE };
  }
  return undefined;
}

/** Athena's category for a failure on the caller's side (permissions, a missing table, a limit). */
const ATHENA_USER_ERROR = 2;

/**
 * A report's Athena query that failed for a reason the person can act on: the workgroup's
 * bytes-scanned cutoff, or a cause Athena puts on the caller's side. Other failures are bugs.
 */
function athenaRemedy(error: unknown): string | undefined {
  const e = error as { name?: unknown; message?: unknown; errorCategory?: unknown };
  if (e?.name !== 'AnalysisQueryError' || typeof e.message !== 'string') return undefined;
  const detail = e.message.split('\n')[0]?.slice(0, 300);
  if (/bytes scanned limit/i.test(e.message))
    return `${detail}: the report would scan more than the stage's analysis workgroup allows; report on a shorter span (--since) or raise the stage's scan limit`;
  if (e.errorCategory === ATHENA_USER_ERROR)
    return `${detail}: check that the stage is fully deployed in this region and that your role may query its analysis workgroup (see the README)`;
  return undefined;
}
