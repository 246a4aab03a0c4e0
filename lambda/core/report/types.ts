import type { Interval } from '../stats/interval';
import type { Proportion, TwoProportionComparison } from '../stats/proportions';

/**
 * - `PROMOTE`: every guardrail met with confidence.
 * - `CONTINUE`: some guardrail not decided yet (with what it still needs).
 * - `REJECT`: a guardrail violated with confidence.
 * - `INVALID`: the data cannot be trusted (sample ratio mismatch): never promote on it.
 */
export type Decision = 'PROMOTE' | 'CONTINUE' | 'REJECT' | 'INVALID';

/** The guardrails the verdict checks, named as in `Guardrails`. */
export type GuardrailName =
  | 'minSampleSize'
  | 'maxErrorRate'
  | 'maxP99LatencyMs'
  | 'maxLatencyIncreaseMs'
  | 'minAgreement'
  | 'maxAccuracyDrop'
  | 'maxConversionDrop'
  | 'maxConversionDropRelative';

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
  /**
   * Set instead of `samplesNeeded` when more data at the observed effect would not decide
   * (the estimate sits on the threshold, or the projection is beyond any plausible experiment):
   * the reason, for people.
   */
  readonly notReachable?: string;
  /**
   * Error rates of this guardrail's two one-sided tests: `met` is wrong with probability
   * <= alphaMet, `violated` with probability <= alphaViolated (alpha split over guardrails).
   */
  readonly alphaMet?: number;
  readonly alphaViolated?: number;
  /** `false` when the guardrail is reported as evidence only and cannot block the verdict. */
  readonly blocking?: boolean;
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
  /** For CONTINUE: undecided guardrails that more data at the observed effect would not decide, and why. */
  readonly notReachable?: Readonly<Partial<Record<GuardrailName, string>>>;
  /** For INVALID: the sample ratio checks that failed. */
  readonly sampleRatio?: readonly SampleRatioCheck[];
}

/**
 * An anytime-valid test of an observed share against the configured one (sample ratio
 * mismatch). A mismatch means assignment or recording is broken: the comparison is biased.
 */
export interface SampleRatioCheck {
  readonly check: 'canaryShare' | 'shadowSampleRate';
  readonly status: 'ok' | 'mismatch' | 'not_applicable';
  /** Configured share (0..1). */
  readonly expected: number;
  /** Observed share, with its always-valid interval. */
  readonly observed: Interval;
  readonly numerator: number;
  readonly denominator: number;
  readonly unit: string;
  /** The test's error rate: a mismatch is a false alarm with probability <= alpha. */
  readonly alpha: number;
  readonly summary: string;
  /** For a mismatch: what usually causes one. */
  readonly likelyCauses?: readonly string[];
}

export interface LatencySummary {
  readonly endpoint: string | null;
  /** Every call that counts for the model; a failed call at max(its latency, the timeout). */
  readonly count: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /**
   * Nearest-rank percentiles with distribution-free (order-statistic) 1 - alpha intervals, from
   * 1 %-wide log buckets (a bound is a bucket edge: conservative by at most 1 %).
   */
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
  /**
   * The experiment judged: one configuration (candidate, canary share, sample rate) since its
   * fixed start. The verdict covers exactly this span; it never pools another configuration.
   */
  readonly experiment: {
    readonly id: string;
    readonly since: string;
    readonly until: string;
    /** Configured canary share (0..100) and shadow sample rate (0..1). */
    readonly canaryPercent: number;
    readonly sampleRate: number;
  };
  /** Records that were rejected as impossible (negative or non-finite latency) and not used. */
  readonly invalidRecords: number;
  /** Duplicate log lines dropped (the log is written at least once). */
  readonly duplicates: number;
  readonly sampleRatio: readonly SampleRatioCheck[];
  /** Error rate of every interval and of the verdict's sequential tests. */
  readonly alpha: number;
  /** Time span of the records (their `receivedAt`) within the experiment. */
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
  /**
   * Conversion per canary arm (by endpoint), per user: rates are ratios of per-user sums and the
   * difference's interval is cluster-robust (delta method). `null` without conversion outcomes.
   */
  readonly conversion: {
    readonly production: Proportion;
    readonly canary: Proportion;
    /** Users behind each rate. */
    readonly users: { readonly production: number; readonly canary: number };
    /** Canary minus production, fixed-sample 1 - alpha interval (delta method over users). */
    readonly difference: TwoProportionComparison;
    /** Fixed-design samples per variant to detect a drop of `maxConversionDrop` (power 0.8). */
    readonly samplesPerVariantToDetectMaxDrop: number | null;
  } | null;
  /**
   * Accuracy against posted labels; `null` without labels. `paired` when both models answered
   * the same labelled requests (shadow), else per user over the canary arms.
   */
  readonly accuracy: {
    readonly basis: 'paired' | 'users';
    readonly production: Proportion;
    readonly candidate: Proportion;
    /** Candidate minus production, fixed-sample 1 - alpha interval. */
    readonly difference: TwoProportionComparison;
  } | null;
  readonly timeline: { readonly bucketMinutes: number; readonly buckets: readonly TimeBucket[] };
  readonly guardrails: readonly GuardrailCheck[];
  readonly verdict: Verdict;
}
