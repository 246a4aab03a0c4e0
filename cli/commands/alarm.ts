import { CliError } from '../target';

/**
 * `alarm NAME` (local mode only): plays a canary guardrail alarm as CloudWatch would, invoking
 * the rollback Lambda. Local mode refuses a name no such alarm has and lists the ones it has.
 */
export async function fireLocalAlarm(
  url: string,
  name: string | undefined,
  reason: string | undefined,
): Promise<string> {
  if (!name || !/^[A-Za-z0-9._-]{1,255}$/.test(name))
    throw new CliError('alarm needs a name, e.g. shadow-rollout alarm CanaryConversionDrop');
  const response = await fetch(new URL(`/local/alarms/${name}`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reason ? { reason } : {}),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => {
    throw new CliError(`cannot reach local mode at ${url} (${error.message}); start it with npm start`);
  });
  const result = (await response.json().catch(() => ({}))) as {
    rolledBack?: boolean;
    reason?: string;
    error?: { message?: string };
  };
  if (!response.ok) throw new CliError(result.error?.message ?? `local mode answered ${response.status}`);
  return result.rolledBack
    ? `Alarm ${name} fired: canary rolled back (${result.reason})`
    : `Alarm ${name} fired: nothing to roll back`;
}
