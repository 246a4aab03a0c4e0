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
  /** Fewest comparisons before any verdict other than CONTINUE. */
  readonly minSampleSize: number;
  /** Fewest served requests per variant in an alarm period before the conversion alarm may fire. */
  readonly minConversionTraffic: number;
  /** Max age (s) of the oldest shadow message before the backlog alarm fires. */
  readonly maxShadowBacklogAgeSeconds: number;
}
