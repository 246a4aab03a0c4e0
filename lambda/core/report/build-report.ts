import type { ComparatorConfig } from '../comparators/types';
import type { ComparisonRecord } from '../comparison-record';
import type { Guardrails } from '../guardrails';
import type { Interval } from '../stats/interval';
import { geometricMeanRatio, meanAndVariance, meanDifference } from '../stats/means';
import { percentile, percentileInterval } from '../stats/percentiles';
import { compareProportions, sampleSizeTwoProportions, wilsonInterval } from '../stats/proportions';
import type { SequentialDesign } from '../stats/sequential';
import { collectEvidence, type Evidence, type Tally } from './evidence';
import { checkGuardrails } from './guardrail-checks';
import { bucketByTime, chooseBucketMinutes } from './timeline';
import type {
  GuardrailCheck,
  LatencyHistogram,
  LatencySummary,
  MetricSummary,
  Report,
  Verdict,
} from './types';
import { decideVerdict } from './verdict';

export interface ReportOptions {
  /** Candidate endpoint to judge. @default the most frequently replayed non-production endpoint */
  readonly candidate?: string;
  /** Production endpoint. @default the endpoint that most often served as production */
  readonly production?: string;
  /** Error rate of intervals and of the sequential tests behind the verdict. @default 0.05 */
  readonly alpha?: number;
  /** Time stamp of the report. @default the current time */
  readonly now?: Date;
  /** The deployment's comparator; its `labelPath` locates predicted labels for accuracy. */
  readonly comparator?: ComparatorConfig;
  /**
   * Sample size the sequential tests are tuned for (tightest there, valid at every size).
   * @default guardrails.minSampleSize
   */
  readonly plannedSampleSize?: number;
  /** Width of the timeline buckets. @default chosen for at most 72 buckets over the window */
  readonly bucketMinutes?: number;
}

// Bound once: the histogram runs per latency, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { floor, max, min } = Math;

const MAX_REASONS = 10;
const HISTOGRAM_BINS = 30;

/**
 * Legacy: the report from comparison records over a time window (the per-request statistics
 * of before the evidence log). Kept as a test oracle until every caller reads aggregates
 * (`buildReportFromAggregates`); its verdict is not the one docs/verdict.md describes.
 * The evidence about one candidate against production, and the verdict, from comparison
 * records. Pure: the same records and options give the same report.
 */
export function buildReport(
  records: readonly ComparisonRecord[],
  guardrails: Guardrails,
  options: ReportOptions = {},
): Report {
  const design = sequentialDesign(guardrails, options);
  const { alpha } = design;
  const evidence = collectEvidence(records, options);
  const productionLatencies = evidence.productionModel.latencies;
  const candidateLatencies = evidence.candidateModel.latencies;
  const guardrailChecks = checkGuardrails({
    evidence,
    productionLatencies,
    candidateLatencies,
    guardrails,
    design,
  });
  const bucketMinutes = options.bucketMinutes ?? chooseBucketMinutes(evidence.from, evidence.to);

  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    alpha,
    // Records have no experiment: the window read is all this legacy path knows.
    experiment: {
      id: 'window',
      since: evidence.from ?? '',
      until: evidence.to ?? '',
      canaryPercent: 0,
      sampleRate: 1,
    },
    invalidRecords: 0,
    duplicates: 0,
    sampleRatio: [],
    window: { from: evidence.from, to: evidence.to },
    production: { endpoint: evidence.production },
    candidate: { endpoint: evidence.candidate },
    candidates: evidence.candidates,
    phase: evidence.canaryServed > 0 ? 'canary' : 'shadow',
    samples: {
      records: evidence.records,
      comparisons: evidence.agreement.trials,
      noiseBaseline: evidence.noiseBaseline.trials,
      productionResults: evidence.productionModel.errors.trials,
      candidateResults: evidence.candidateModel.errors.trials,
      outcomes: evidence.conversion.production.trials + evidence.conversion.canary.trials,
      labelled: evidence.labelled,
    },
    latency: {
      production: latencySummary(evidence.production, productionLatencies, alpha),
      candidate: latencySummary(evidence.candidate, candidateLatencies, alpha),
      delta: {
        p50: percentileDelta(productionLatencies, candidateLatencies, 0.5, alpha),
        p90: percentileDelta(productionLatencies, candidateLatencies, 0.9, alpha),
        p99: percentileDelta(productionLatencies, candidateLatencies, 0.99, alpha),
        mean: meanDifference(productionLatencies, candidateLatencies, alpha),
        ratio: geometricMeanRatio(productionLatencies, candidateLatencies, alpha),
      },
      histogram: latencyHistogram(productionLatencies, candidateLatencies, HISTOGRAM_BINS),
    },
    errors: {
      production: proportion(evidence.productionModel.errors, alpha),
      candidate: proportion(evidence.candidateModel.errors, alpha),
      difference: compareTallies(evidence.candidateModel.errors, evidence.productionModel.errors, alpha),
    },
    agreement: agreementSection(evidence, alpha),
    conversion: conversionSection(evidence, guardrails, alpha),
    accuracy:
      evidence.labelled === 0
        ? null
        : {
            basis: 'users',
            production: proportion(evidence.productionModel.accuracy, alpha),
            candidate: proportion(evidence.candidateModel.accuracy, alpha),
            difference: compareTallies(
              evidence.candidateModel.accuracy,
              evidence.productionModel.accuracy,
              alpha,
            ),
          },
    timeline: {
      bucketMinutes,
      buckets: bucketByTime(records, {
        bucketMinutes,
        alpha,
        ...(evidence.production === null ? {} : { production: evidence.production }),
        ...(evidence.candidate === null ? {} : { candidate: evidence.candidate }),
      }),
    },
    guardrails: guardrailChecks,
    verdict: decideVerdict(guardrailChecks),
  };
}

export interface Judgement {
  readonly guardrails: readonly GuardrailCheck[];
  readonly verdict: Verdict;
}

/**
 * The guardrail checks and verdict alone, from already collected evidence — what `buildReport`
 * decides, without the descriptive sections. For monitors that look again after every batch
 * (with `createEvidenceCollector`), and for the simulation test.
 */
export function judgeEvidence(
  evidence: Evidence,
  guardrails: Guardrails,
  options: Pick<ReportOptions, 'alpha' | 'plannedSampleSize'> = {},
): Judgement {
  const checks = checkGuardrails({
    evidence,
    productionLatencies: evidence.productionModel.latencies,
    candidateLatencies: evidence.candidateModel.latencies,
    guardrails,
    design: sequentialDesign(guardrails, options),
  });
  return { guardrails: checks, verdict: decideVerdict(checks) };
}

function sequentialDesign(
  guardrails: Guardrails,
  options: Pick<ReportOptions, 'alpha' | 'plannedSampleSize'>,
): SequentialDesign {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError(`alpha must be in (0, 0.5), got ${alpha}`);
  const plannedSampleSize = options.plannedSampleSize ?? guardrails.minSampleSize;
  if (!(plannedSampleSize >= 1))
    throw new RangeError(`plannedSampleSize must be >= 1, got ${plannedSampleSize}`);
  return { alpha, plannedSampleSize };
}

function proportion(tally: Tally, alpha: number) {
  return wilsonInterval(tally.successes, tally.trials, alpha);
}

function compareTallies(first: Tally, second: Tally, alpha: number) {
  return compareProportions(first.successes, first.trials, second.successes, second.trials, alpha);
}

function latencySummary(endpoint: string | null, sorted: Float64Array, alpha: number): LatencySummary {
  const n = sorted.length;
  return {
    endpoint,
    count: n,
    mean: n === 0 ? null : meanAndVariance(sorted).mean,
    min: n === 0 ? null : (sorted[0] ?? null),
    max: n === 0 ? null : (sorted[n - 1] ?? null),
    p50: percentileInterval(sorted, 0.5, alpha),
    p90: percentileInterval(sorted, 0.9, alpha),
    p99: percentileInterval(sorted, 0.99, alpha),
  };
}

/**
 * Candidate minus production percentile; the interval combines the two order-statistic
 * intervals at alpha/2 each ([Lc - Up, Uc - Lp]), conservative but distribution-free.
 */
function percentileDelta(
  production: Float64Array,
  candidate: Float64Array,
  p: number,
  alpha: number,
): Interval {
  const c = percentileInterval(candidate, p, alpha / 2);
  const q = percentileInterval(production, p, alpha / 2);
  const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    estimate: minus(percentile(candidate, p), percentile(production, p)),
    lower: minus(c.lower, q.upper),
    upper: minus(c.upper, q.lower),
  };
}

/**
 * Equal-width bins from the fastest call to a little past the slower p99, so one extreme
 * outlier does not squash the chart; the last bin also holds everything beyond.
 */
export function latencyHistogram(
  production: Float64Array,
  candidate: Float64Array,
  bins: number,
): LatencyHistogram {
  const all = [production, candidate].filter((s) => s.length > 0);
  if (all.length === 0) return { edges: [], production: [], candidate: [] };
  const low = min(...all.map((s) => s[0] as number));
  const high = max(...all.map((s) => percentile(s, 0.99) as number)) * 1.1;
  const width = high > low ? (high - low) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low + i * width);
  const count = (sample: Float64Array) => {
    const counts = new Array<number>(bins).fill(0);
    for (const value of sample) {
      const bin = min(bins - 1, floor((value - low) / width));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return counts;
  };
  return { edges, production: count(production), candidate: count(candidate) };
}

function agreementSection(evidence: Evidence, alpha: number): Report['agreement'] {
  const baseline = evidence.noiseBaseline;
  const metrics: Record<string, MetricSummary> = {};
  for (const [name, m] of [...evidence.metrics].sort(([a], [b]) => (a < b ? -1 : 1))) {
    metrics[name] = { count: m.count, mean: m.sum / m.count, min: m.min, max: m.max };
  }
  const reasons = [...evidence.disagreementReasons]
    .sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : 1))
    .slice(0, MAX_REASONS)
    .map(([reason, count]) => ({ reason, count }));
  const disagreement = (t: Tally) => t.trials - t.successes;
  return {
    candidate: proportion(evidence.agreement, alpha),
    noiseBaseline: baseline.trials === 0 ? null : proportion(baseline, alpha),
    excessDisagreement:
      baseline.trials === 0
        ? null
        : compareProportions(
            disagreement(evidence.agreement),
            evidence.agreement.trials,
            disagreement(baseline),
            baseline.trials,
            alpha,
          ).difference,
    metrics,
    reasons,
  };
}

function conversionSection(evidence: Evidence, guardrails: Guardrails, alpha: number): Report['conversion'] {
  const { production, canary } = evidence.conversion;
  if (production.trials + canary.trials === 0) return null;
  const baseRate = production.trials > 0 ? production.successes / production.trials : null;
  const target = baseRate === null ? null : baseRate - guardrails.maxConversionDrop;
  const planned =
    baseRate === null || target === null || target < 0 || guardrails.maxConversionDrop === 0
      ? null
      : sampleSizeTwoProportions(baseRate, target, alpha, 0.8);
  return {
    production: proportion(production, alpha),
    canary: proportion(canary, alpha),
    users: { production: production.trials, canary: canary.trials },
    difference: compareTallies(canary, production, alpha),
    samplesPerVariantToDetectMaxDrop: planned,
  };
}
