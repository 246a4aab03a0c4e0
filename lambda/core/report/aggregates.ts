/**
 * The sufficient statistics of one experiment: everything the report and the verdict need, and
 * nothing per record. The analysis engine (SQL over the evidence log: DuckDB locally, Athena on
 * AWS) produces them; the statistics core consumes them and never sees raw records, so the cost
 * of a verdict does not grow with traffic.
 *
 * Contract between the evidence log (`lambda/adapters/evidence-*`, `docs/evidence-log.md`) and
 * the verdict (`lambda/core/report`, `docs/verdict.md`). Every count is after deduplication by
 * request id (first write wins, outcome fields merged first-wins per field).
 *
 * Latencies use log buckets of 0.2 % relative width: a latency x (ms) falls in bucket
 * `b = floor(ln(max(x, LATENCY_FLOOR_MS)) / ln(LATENCY_BUCKET_RATIO))`, which spans
 * `[RATIO^b, RATIO^(b+1))` (0.2 %: a p99 bound loses at most 0.2 % of its value to the bucketing; 1 % buckets cost the p99 tests about a third more samples in the simulation). A failed or timed-out call counts at the model timeout (at least its
 * measured latency), so a candidate that times out never looks fast. Client errors (the
 * container's own 4xx: the caller's mistake) are excluded from every model measure.
 */

export const LATENCY_BUCKET_RATIO = 1.002;
export const LATENCY_FLOOR_MS = 0.001;

/** The bucket a latency falls in (the same formula as the SQL). */
export function latencyBucket(latencyMs: number): number {
  return Math.floor(Math.log(Math.max(latencyMs, LATENCY_FLOOR_MS)) / Math.log(LATENCY_BUCKET_RATIO));
}

/** Lower edge (ms) of a latency bucket. */
export function latencyBucketLowerMs(bucket: number): number {
  return LATENCY_BUCKET_RATIO ** bucket;
}

/** Sparse histogram: `[bucket, count]` pairs sorted by bucket, counts > 0. */
export type LatencyBuckets = readonly (readonly [bucket: number, count: number])[];

/** n, Σx and Σx² of a quantity. */
export interface Moments {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
}

/** Counts of a paired binary outcome: `[first][second]`, e.g. production error × candidate error. */
export interface PairedCounts {
  /** Neither. */
  readonly n00: number;
  /** Second only. */
  readonly n01: number;
  /** First only. */
  readonly n10: number;
  /** Both. */
  readonly n11: number;
}

/**
 * Per-user sums for a ratio metric y/m over users (the unit of randomization of the canary):
 * users, Σm, Σy, Σm², Σy², Σmy. The delta method on these gives a cluster-robust interval.
 */
export interface UserRatioSums {
  readonly users: number;
  readonly sumM: number;
  readonly sumY: number;
  readonly sumM2: number;
  readonly sumY2: number;
  readonly sumMY: number;
}

/** One model's calls (by endpoint), whatever role it played. */
export interface ModelCalls {
  readonly endpoint: string;
  /** Calls that count for the model: ok + failed (client errors excluded). */
  readonly calls: number;
  readonly errors: number;
  readonly clientErrors: number;
  /** Effective latency (failures at the timeout) of every counted call. */
  readonly latency: LatencyBuckets;
  readonly latencyMoments: Moments;
  /** Σ ln(latency) and Σ ln²(latency), for the geometric-mean ratio. */
  readonly logLatencyMoments: Moments;
}

/**
 * Shadow replays: the same request answered by production (served) and replayed on the
 * candidate. Paired per request, which is more powerful than comparing two marginals.
 */
export interface ShadowPairs {
  /** Requests served by production and replayed on the candidate (client errors excluded). */
  readonly pairs: number;
  /** production error × candidate error. */
  readonly errors: PairedCounts;
  /** Pairs where both answered: the comparisons. */
  readonly comparisons: number;
  readonly agreements: number;
  /**
   * Pairs that also have a production-vs-itself noise baseline: noise agrees × candidate agrees
   * (first = noise baseline agrees, second = candidate agrees).
   */
  readonly agreementWithNoise: PairedCounts;
  /** Effective latency difference candidate − production (ms) over pairs. */
  readonly latencyDifference: Moments;
  /** Effective latencies of both sides of each pair. */
  readonly productionLatency: LatencyBuckets;
  readonly candidateLatency: LatencyBuckets;
  /** Labelled pairs where both answered: production correct × candidate correct. */
  readonly accuracy: PairedCounts;
}

/** One arm of the canary: users served by one endpoint in the experiment. */
export interface CanaryArm {
  readonly variant: 'production' | 'canary';
  readonly endpoint: string;
  /** Requests served (recorded for every request while a canary runs). */
  readonly requests: number;
  readonly users: number;
  /** Conversions (y) over requests with a conversion outcome (m), per user. */
  readonly conversion: UserRatioSums;
  /** Correct predictions (y) over labelled requests (m), per user. */
  readonly accuracy: UserRatioSums;
  /** Σ outcome value per user over requests with an outcome (y = value, m = outcomes). */
  readonly value: UserRatioSums;
  readonly errors: number;
  readonly latency: LatencyBuckets;
}

export interface TimelineRow {
  /** ISO-8601 start of the bucket. */
  readonly start: string;
  readonly records: number;
  readonly comparisons: number;
  readonly agreements: number;
  readonly candidateCalls: number;
  readonly candidateErrors: number;
  readonly productionCalls: number;
  readonly productionErrors: number;
}

export interface MetricSums {
  readonly name: string;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** The experiment an analysis covers: one configuration of candidate, canary share and sample rate. */
export interface ExperimentRef {
  /** The runtime config version that started it. */
  readonly id: string;
  /** ISO-8601 start; records before it are not pooled in. */
  readonly since: string;
  /** ISO-8601 end of the data looked at (now, or when the experiment ended). */
  readonly until: string;
  readonly production: string;
  readonly candidates: readonly string[];
  /** Configured share of users on the canary (0–100) and shadow sample rate (0–1). */
  readonly canaryPercent: number;
  readonly sampleRate: number;
  /**
   * Configured share of shadow pairs that also get a production-vs-itself noise baseline (0–1;
   * absent or 0 = none). Decides, by configuration rather than by data, whether agreement is
   * judged noise-adjusted: switching on the first baseline seen would change the test mid-way.
   */
  readonly noiseBaselineRate?: number;
}

export interface ExperimentAggregates {
  readonly experiment: ExperimentRef;
  /** The candidate judged (one of `experiment.candidates`). */
  readonly candidate: string;
  /** Deduplicated records in the experiment, and how many lines were duplicates. */
  readonly records: number;
  readonly duplicates: number;
  /** Records whose data was rejected as impossible (negative latency, …), counted not used. */
  readonly invalidRecords: number;
  readonly from: string | null;
  readonly to: string | null;
  /**
   * Requests the router saw in the experiment when it records every request (a canary is
   * running); null otherwise. With `shadowSampled`, the sample-rate mismatch check.
   */
  readonly requestsSeen: number | null;
  readonly shadowSampled: number;
  /** Production and the judged candidate, by endpoint. */
  readonly production: ModelCalls;
  readonly candidateCalls: ModelCalls;
  readonly shadow: ShadowPairs;
  /** Empty without a canary. */
  readonly canary: readonly CanaryArm[];
  readonly outcomes: { readonly converted: number; readonly labelled: number; readonly withValue: number };
  readonly timeline: { readonly bucketMinutes: number; readonly rows: readonly TimelineRow[] };
  /** Most frequent disagreement reasons, at most 10, most frequent first. */
  readonly reasons: readonly { readonly reason: string; readonly count: number }[];
  readonly metrics: readonly MetricSums[];
}
