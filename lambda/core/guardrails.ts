/** Thresholds that decide alarms and the verdict. */
export interface Guardrails {
  /** Max candidate p99 latency (ms). */
  readonly maxP99LatencyMs: number;
  /** Max candidate p99 increase over production (ms). */
  readonly maxLatencyIncreaseMs: number;
  /** Max error rate (0..1) of any model. */
  readonly maxErrorRate: number;
  /** Min agreement rate (0..1) between candidate and production. */
  readonly minAgreement: number;
  /** Max absolute conversion-rate drop of the canary versus production (0..1, e.g. 0.01 = 1 point). */
  readonly maxConversionDrop: number;
  /** Fewest comparisons before a PROMOTE (a REJECT may come earlier: its intervals are always valid). */
  readonly minSampleSize: number;
  /** Fewest joined outcomes per variant in an alarm period before the conversion alarm may fire. */
  readonly minConversionTraffic: number;
  /** Max age (s) of the oldest shadow message before the backlog alarm fires. */
  readonly maxShadowBacklogAgeSeconds: number;
}

const GUARDRAIL_KEYS: readonly (keyof Guardrails)[] = [
  'maxP99LatencyMs',
  'maxLatencyIncreaseMs',
  'maxErrorRate',
  'minAgreement',
  'maxConversionDrop',
  'minSampleSize',
  'minConversionTraffic',
  'maxShadowBacklogAgeSeconds',
];

/** Parses the GUARDRAILS variable (JSON of the stage's guardrails), naming every problem. */
export function parseGuardrails(json: string): Guardrails {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('guardrails are not valid JSON');
  }
  const g = value as Record<string, unknown>;
  const problems = GUARDRAIL_KEYS.filter((key) => typeof g?.[key] !== 'number' || !Number.isFinite(g[key]));
  if (problems.length > 0) throw new Error(`guardrails need numbers for: ${problems.join(', ')}`);
  return value as Guardrails;
}
