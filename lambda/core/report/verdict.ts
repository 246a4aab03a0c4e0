import type { GuardrailCheck, GuardrailName, Verdict } from './types';

/** Which violated guardrail names a REJECT when several are: errors first, then latency, … */
const SEVERITY: readonly GuardrailName[] = [
  'maxErrorRate',
  'maxP99LatencyMs',
  'maxLatencyIncreaseMs',
  'minAgreement',
  'maxConversionDrop',
  'minSampleSize',
];

/**
 * One verdict from the guardrail checks:
 * - REJECT as soon as any guardrail is violated with confidence. The sequential intervals are
 *   valid at every sample size, so this needs no minimum sample size, and stopping a bad
 *   candidate early is the safe direction.
 * - PROMOTE only when every applicable guardrail is met with confidence, the minimum sample
 *   size included.
 * - CONTINUE otherwise, with the observations each undecided guardrail still needs.
 */
export function decideVerdict(checks: readonly GuardrailCheck[]): Verdict {
  const bySeverity = [...checks].sort(
    (a, b) => SEVERITY.indexOf(a.guardrail) - SEVERITY.indexOf(b.guardrail),
  );
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
  for (const check of undecided) {
    if (check.samplesNeeded !== undefined) samplesNeeded[check.guardrail] = check.samplesNeeded;
  }
  return { decision: 'CONTINUE', reasons: undecided.map(reasonOf), samplesNeeded };
}

function reasonOf(check: GuardrailCheck): string {
  const needs =
    check.status === 'undecided' && check.samplesNeeded !== undefined
      ? ` (about ${check.samplesNeeded} more ${check.unit})`
      : '';
  return `${check.guardrail}: ${check.summary}${needs}`;
}
