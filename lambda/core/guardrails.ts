/** Thresholds that decide alarms and the verdict (docs/verdict.md says what each one means). */
export interface Guardrails {
  /** Max candidate p99 latency (ms); a failed or timed-out call counts at least as the timeout. */
  readonly maxP99LatencyMs: number;
  /** Max candidate p99 increase over production on the same requests (ms). */
  readonly maxLatencyIncreaseMs: number;
  /** Max error rate (0..1) of the candidate. */
  readonly maxErrorRate: number;
  /** Min agreement rate (0..1) between candidate and production (noise-adjusted with a baseline). */
  readonly minAgreement: number;
  /**
   * Whether agreement can block the verdict (`guardrail`) or is only reported (`evidence`): a
   * model that is meant to answer differently (a better one) must not be rejected for it; judge
   * it on accuracy instead. @default 'guardrail'
   */
  readonly agreement?: 'guardrail' | 'evidence';
  /**
   * Accuracy non-inferiority margin (0..1, absolute): the candidate's accuracy against posted
   * labels may be at most this much below production's. Judged once labels arrive. @default 0.01
   */
  readonly maxAccuracyDrop?: number;
  /** Max absolute conversion-rate drop of the canary versus production (0..1, e.g. 0.01 = 1 point). */
  readonly maxConversionDrop: number;
  /**
   * Max relative conversion-rate drop of the canary versus production (0..1: 0.1 = the canary
   * converts at least 90 % as often as production), judged per user like the absolute drop.
   * Use it where base rates differ a lot between products or seasons, so that one absolute
   * number would be too strict for some and too loose for others. Absent: not judged.
   */
  readonly maxConversionDropRelative?: number;
  /** Fewest comparisons before a PROMOTE (a REJECT may come earlier: its tests are always valid). */
  readonly minSampleSize: number;
  /** Fewest joined outcomes per variant in an alarm period before the conversion alarm may fire. */
  readonly minConversionTraffic: number;
  /** Max age (s) of the oldest shadow message before the backlog alarm fires. */
  readonly maxShadowBacklogAgeSeconds: number;
}

export const DEFAULT_MAX_ACCURACY_DROP = 0.01;

const NUMBER_KEYS = [
  'maxP99LatencyMs',
  'maxLatencyIncreaseMs',
  'maxErrorRate',
  'minAgreement',
  'maxConversionDrop',
  'minSampleSize',
  'minConversionTraffic',
  'maxShadowBacklogAgeSeconds',
] as const;

/**
 * Every problem with a set of guardrails, each as one sentence naming the setting, its value and
 * the allowed range; empty when they are usable. The one schema for synth, cold start and the
 * report.
 */
export function guardrailProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ['guardrails must be an object'];
  }
  const g = value as Record<string, unknown>;
  const problems: string[] = [];
  const missing = NUMBER_KEYS.filter((key) => typeof g[key] !== 'number' || !Number.isFinite(g[key]));
  if (missing.length > 0) problems.push(`guardrails need finite numbers for: ${missing.join(', ')}`);
  const check = (key: string, ok: (v: number) => boolean, range: string) => {
    const v = g[key];
    if (typeof v === 'number' && Number.isFinite(v) && !ok(v))
      problems.push(`guardrails.${key} must be ${range}, got ${v}`);
  };
  check('maxP99LatencyMs', (v) => v > 0, '> 0 (ms)');
  check('maxLatencyIncreaseMs', (v) => v >= 0, '>= 0 (ms)');
  check(
    'maxErrorRate',
    (v) => v > 0 && v < 1,
    'in (0, 1) (at 0 no candidate could ever be shown to meet it)',
  );
  check('minAgreement', (v) => v > 0 && v < 1, 'in (0, 1)');
  check('maxConversionDrop', (v) => v > 0 && v < 1, 'in (0, 1)');
  check('minSampleSize', (v) => Number.isInteger(v) && v >= 1, 'a whole number, at least 1');
  check('minConversionTraffic', (v) => v >= 1, 'at least 1');
  check('maxShadowBacklogAgeSeconds', (v) => v >= 60, 'at least 60 (s)');
  if (g.maxAccuracyDrop !== undefined) {
    if (typeof g.maxAccuracyDrop !== 'number' || !Number.isFinite(g.maxAccuracyDrop)) {
      problems.push('guardrails.maxAccuracyDrop must be a finite number');
    } else check('maxAccuracyDrop', (v) => v > 0 && v < 1, 'in (0, 1)');
  }
  if (g.maxConversionDropRelative !== undefined) {
    if (typeof g.maxConversionDropRelative !== 'number' || !Number.isFinite(g.maxConversionDropRelative)) {
      problems.push('guardrails.maxConversionDropRelative must be a finite number');
    } else check('maxConversionDropRelative', (v) => v > 0 && v < 1, 'in (0, 1)');
  }
  if (g.agreement !== undefined && g.agreement !== 'guardrail' && g.agreement !== 'evidence') {
    problems.push(
      `guardrails.agreement must be "guardrail" or "evidence", got ${JSON.stringify(g.agreement)}`,
    );
  }
  return problems;
}

export class GuardrailsError extends Error {
  override readonly name = 'GuardrailsError';
}

/** Throws one error listing every problem. */
export function assertGuardrails(value: unknown): asserts value is Guardrails {
  const problems = guardrailProblems(value);
  if (problems.length > 0) throw new GuardrailsError(`invalid guardrails: ${problems.join('; ')}`);
}

/** Parses the GUARDRAILS variable (JSON of the stage's guardrails), naming every problem. */
export function parseGuardrails(json: string): Guardrails {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new GuardrailsError('guardrails are not valid JSON');
  }
  assertGuardrails(value);
  return value;
}
