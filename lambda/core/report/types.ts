import type { Interval } from '../stats/interval';
import type { Proportion, TwoProportionComparison } from '../stats/proportions';

export type Decision = 'PROMOTE' | 'CONTINUE' | 'REJECT';

/** The guardrails the verdict checks, named as in `Guardrails`. */
export type GuardrailName =
  | 'minSampleSize'
  | 'maxErrorRate'
  | 'maxP99LatencyMs'
  | 'maxLatencyIncreaseMs'
  | 'minAgreement'
  | 'maxConversionDrop';

/**
 * - `met` / `violated`: the always-valid interval lies entirely on one side of the threshold.
 * - `undecided`: it still straddles the threshold.
 * - `not_applicable`: the experiment has no such evidence by design (conversion without a canary).
 */
export type GuardrailStatus = 'met' | 'violated' | 'undecided' | 'not_applicable';

export interface GuardrailCheck {
  readonly guardrail: GuardrailName;
  readonly status: GuardrailStatus;
  readonly threshold: number;
  /** What is compared with the threshold, e.g. "candidate error rate". */
  readonly measure: string;
  /**
   * Point estimate and always-valid (sequential) interval at level 1 - alpha: the interval the
   * decision is made on. Wider than the fixed-sample intervals elsewhere in the report, because
   * it stays valid however often the report is requested.
   */
  readonly evidence: Interval;
  /** Observations behind the evidence, in `unit`. */
  readonly samples: number;
  readonly unit: string;
  /**
   * Further observations (in `unit`) after which the interval would clear the threshold if the
   * current estimate held — a planning estimate. Absent when decided or when the estimate sits
   * on the threshold (then more data may never decide).
   */
  readonly samplesNeeded?: number;
  /** One sentence for people, with the numbers. */
  readonly summary: string;
}

export interface Verdict {
  readonly decision: Decision;
  readonly reasons: readonly string[];
  /** The guardrail that decided a REJECT (the first violated, most severe first). */
  readonly guardrail?: GuardrailName;
  /** For CONTINUE: further observations still needed, per undecided guardrail. */
  readonly samplesNeeded?: Readonly<Partial<Record<GuardrailName, number>>>;
}

export interface LatencySummary {
  readonly endpoint: string | null;
  /** Successful calls only: a failed call's latency is a timeout or an error path, counted as an error. */
  readonly count: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Nearest-rank percentiles with distribution-free (order-statistic) 1 - alpha intervals. */
  readonly p50: Interval;
  readonly p90: Interval;
  readonly p99: Interval;
}

export interface LatencyHistogram {
  /** Bin edges in ms; bin i is [edges[i], edges[i + 1]). The last bin also holds larger values. */
  readonly edges: readonly number[];
  readonly production: readonly number[];
  readonly candidate: readonly number[];
}

export interface MetricSummary {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface TimeBucket {
  /** ISO-8601 start of the bucket. */
  readonly start: string;
  readonly records: number;
  readonly agreement: Proportion;
  readonly candidateErrors: Proportion;
  readonly productionErrors: Proportion;
}

/**
 * The evidence about one candidate against production, and the verdict. Plain JSON: no NaN,
 * Infinity or undefined-valued fields that would change meaning when serialized; a value the
 * data cannot give yet is `null`.
 */
export interface Report {
  readonly generatedAt: string;
  /** Error rate of every interval and of the verdict's sequential tests. */
  readonly alpha: number;
  /** Time span of the records (their `receivedAt`). */
  readonly window: { readonly from: string | null; readonly to: string | null };
  readonly production: { readonly endpoint: string | null };
  readonly candidate: { readonly endpoint: string | null };
  /** Every candidate endpoint seen in the records; the report covers `candidate.endpoint`. */
  readonly candidates: readonly string[];
  /** `canary` once any request was served by the canary, else `shadow`. */
  readonly phase: 'shadow' | 'canary';
  readonly samples: {
    readonly records: number;
    /** Production/candidate pairs with a comparison result. */
    readonly comparisons: number;
    /** Records with a production-vs-itself noise-baseline comparison (`record.noiseBaseline`). */
    readonly noiseBaseline: number;
    readonly productionResults: number;
    readonly candidateResults: number;
    /** Records with a conversion outcome. */
    readonly outcomes: number;
    /** Records with a label outcome. */
    readonly labelled: number;
  };
  readonly latency: {
    readonly production: LatencySummary;
    readonly candidate: LatencySummary;
    /** Candidate minus production; percentile intervals combine the two at alpha/2 each. */
    readonly delta: {
      readonly p50: Interval;
      readonly p90: Interval;
      readonly p99: Interval;
      /** Welch interval for the difference of mean latencies. */
      readonly mean: Interval;
      /** Ratio of geometric means (candidate / production), interval from log latencies. */
      readonly ratio: Interval;
    };
    readonly histogram: LatencyHistogram;
  };
  readonly errors: {
    /** Wilson intervals. */
    readonly production: Proportion;
    readonly candidate: Proportion;
    /** Candidate minus production (Newcombe interval, pooled z-test). */
    readonly difference: TwoProportionComparison;
  };
  readonly agreement: {
    /** Share of comparisons that agree (Wilson interval). */
    readonly candidate: Proportion;
    /** Share of production-vs-itself comparisons that agree; `null` without a noise baseline. */
    readonly noiseBaseline: Proportion | null;
    /** Candidate disagreement minus production's self-disagreement (Newcombe); `null` without a baseline. */
    readonly excessDisagreement: Interval | null;
    /** Comparator numbers (scoreDelta, overlap, …) over all comparisons. */
    readonly metrics: Readonly<Record<string, MetricSummary>>;
    /** Most frequent disagreement reasons (comparators keep payloads out of them). */
    readonly reasons: readonly { readonly reason: string; readonly count: number }[];
  };
  /** Conversion per served variant; `null` when no record has a conversion outcome. */
  readonly conversion: {
    readonly production: Proportion;
    readonly canary: Proportion;
    /** Canary minus production (Newcombe interval, pooled z-test). */
    readonly difference: TwoProportionComparison;
    /** Fixed-design samples per variant to detect a drop of `maxConversionDrop` (power 0.8). */
    readonly samplesPerVariantToDetectMaxDrop: number | null;
  } | null;
  /** Accuracy against posted labels per model; `null` when no record has a label outcome. */
  readonly accuracy: {
    readonly production: Proportion;
    readonly candidate: Proportion;
    /** Candidate minus production (Newcombe interval, pooled z-test). */
    readonly difference: TwoProportionComparison;
  } | null;
  readonly timeline: { readonly bucketMinutes: number; readonly buckets: readonly TimeBucket[] };
  readonly guardrails: readonly GuardrailCheck[];
  readonly verdict: Verdict;
}
