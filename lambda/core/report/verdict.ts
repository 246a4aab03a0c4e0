import type { GuardrailCheck, GuardrailName, SampleRatioCheck, Verdict } from './types';

/** Which violated guardrail names a REJECT when several are: errors first, then latency, … */
const SEVERITY: readonly GuardrailName[] = [
  'maxErrorRate',
  'maxP99LatencyMs',
  'maxLatencyIncreaseMs',
  'maxAccuracyDrop',
  'minAgreement',
  'maxConversionDrop',
  'minSampleSize',
];

/**
 * One verdict from the sample ratio checks and the guardrail checks:
 * - INVALID when the observed canary share or shadow sample rate does not match the configured
 *   one: assignment or recording is broken, so no comparison can be trusted. Never PROMOTE.
 * - REJECT as soon as a blocking guardrail is violated with confidence (its test is always
 *   valid, so this needs no minimum sample size; stopping a bad candidate early is safe).
 * - PROMOTE only when every blocking guardrail is met (or has no evidence by design), the
 *   minimum sample size included.
 * - CONTINUE otherwise, with what each undecided guardrail still needs, or why more data at the
 *   observed effect would not decide it.
 * Guardrails reported as evidence only (`blocking: false`) never decide.
 */
export function decideVerdict(
  checks: readonly GuardrailCheck[],
  sampleRatio: readonly SampleRatioCheck[] = [],
): Verdict {
  const mismatches = sampleRatio.filter((s) => s.status === 'mismatch');
  if (mismatches.length > 0) {
    return {
      decision: 'INVALID',
      reasons: mismatches.map(
        (s) => `${s.check}: ${s.summary}; likely causes: ${(s.likelyCauses ?? []).join('; ')}`,
      ),
      sampleRatio: mismatches,
    };
  }
  const bySeverity = [...checks]
    .filter((check) => check.blocking !== false)
    .sort((a, b) => SEVERITY.indexOf(a.guardrail) - SEVERITY.indexOf(b.guardrail));
  const violated = bySeverity.filter((check) => check.status === 'violated');
  const first = violated[0];
  if (first !== undefined) {
    return { decision: 'REJECT', guardrail: first.guardrail, reasons: violated.map(reasonOf) };
  }
  const undecided = bySeverity.filter((check) => check.status === 'undecided');
  if (undecided.length === 0) {
    return { decision: 'PROMOTE', reasons: bySeverity.map(reasonOf) };
  }
  const samplesNeeded: Partial<Record<GuardrailName, number>> = {};
  const notReachable: Partial<Record<GuardrailName, string>> = {};
  for (const check of undecided) {
    if (check.samplesNeeded !== undefined) samplesNeeded[check.guardrail] = check.samplesNeeded;
    if (check.notReachable !== undefined) notReachable[check.guardrail] = check.notReachable;
  }
  return {
    decision: 'CONTINUE',
    reasons: undecided.map(reasonOf),
    samplesNeeded,
    ...(Object.keys(notReachable).length > 0 ? { notReachable } : {}),
  };
}

function reasonOf(check: GuardrailCheck): string {
  const needs =
    check.status !== 'undecided'
      ? ''
      : check.samplesNeeded !== undefined
        ? ` (about ${check.samplesNeeded} more ${check.unit})`
        : check.notReachable !== undefined
          ? ` (${check.notReachable})`
          : '';
  return `${check.guardrail}: ${check.summary}${needs}`;
}
