import { assertGuardrails, type Guardrails } from '../guardrails';
import { normalCdf, normalQuantile, studentTQuantile } from '../stats/distributions';
import type { Interval } from '../stats/interval';
import {
  compareProportions,
  type Proportion,
  sampleSizeTwoProportions,
  wilsonInterval,
} from '../stats/proportions';
import type { ExperimentAggregates, LatencyBuckets, ModelCalls, Moments, PairedCounts } from './aggregates';
import { canaryArms, checkGuardrails, type Design, userRatio } from './checks';
import {
  bucketMiddle,
  observedRange,
  quantileEstimate,
  quantileInterval,
  totalCount,
} from './latency-buckets';
import { checkSampleRatios, SAMPLE_RATIO_ALPHA } from './sample-ratio';
import { MAX_TIME_BUCKETS } from './timeline';
import type {
  GuardrailCheck,
  LatencyHistogram,
  LatencySummary,
  MetricSummary,
  Report,
  TimeBucket,
  Verdict,
} from './types';
import { decideVerdict } from './verdict';

export interface AggregateReportOptions {
  /** Family-wise error rate of PROMOTE and of REJECT, and level of every interval. @default 0.05 */
  readonly alpha?: number;
  /** Time stamp of the report. @default the current time */
  readonly now?: Date;
  /**
   * Sample size the sequential tests are tuned for (tightest there, valid at every size).
   * @default max(guardrails.minSampleSize, 1000)
   */
  readonly plannedSampleSize?: number;
  /** False-alarm rate of each sample ratio check. @default 0.001 */
  readonly sampleRatioAlpha?: number;
}

const HISTOGRAM_BINS = 30;

export interface Judgement {
  readonly guardrails: readonly GuardrailCheck[];
  readonly verdict: Verdict;
}

/** The verdict alone (no descriptive sections): what a monitor or a simulation needs per look. */
export function judgeAggregates(
  aggregates: ExperimentAggregates,
  guardrails: Guardrails,
  options: Pick<AggregateReportOptions, 'alpha' | 'plannedSampleSize' | 'sampleRatioAlpha'> = {},
): Judgement & { readonly sampleRatio: Report['sampleRatio'] } {
  assertGuardrails(guardrails);
  const design = designOf(guardrails, options);
  const checks = checkGuardrails({ aggregates, guardrails, design });
  const sampleRatio = checkSampleRatios(aggregates, options.sampleRatioAlpha ?? SAMPLE_RATIO_ALPHA);
  return { guardrails: checks, sampleRatio, verdict: decideVerdict(checks, sampleRatio) };
}

/**
 * The evidence about one candidate against production in one experiment, and the verdict, from
 * the experiment's aggregates (SQL over the evidence log). Pure: the same aggregates and
 * options give the same report. Statistical methods: docs/verdict.md.
 */
export function buildReportFromAggregates(
  aggregates: ExperimentAggregates,
  guardrails: Guardrails,
  options: AggregateReportOptions = {},
): Report {
  const judgement = judgeAggregates(aggregates, guardrails, options);
  const alpha = options.alpha ?? 0.05;
  const a = aggregates;
  const { experiment, shadow } = a;
  const noise = pairedTotal(shadow.agreementWithNoise);
  const noiseAgreements = shadow.agreementWithNoise.n10 + shadow.agreementWithNoise.n11;
  const arms = canaryArms(a);
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    alpha,
    experiment: {
      id: experiment.id,
      since: experiment.since,
      until: experiment.until,
      canaryPercent: experiment.canaryPercent,
      sampleRate: experiment.sampleRate,
    },
    invalidRecords: a.invalidRecords,
    duplicates: a.duplicates,
    sampleRatio: judgement.sampleRatio,
    window: { from: a.from, to: a.to },
    production: { endpoint: experiment.production },
    candidate: { endpoint: a.candidate },
    candidates: experiment.candidates,
    phase: a.canary.some((arm) => arm.variant === 'canary' && arm.requests > 0) ? 'canary' : 'shadow',
    samples: {
      records: a.records,
      comparisons: shadow.comparisons,
      noiseBaseline: noise,
      productionResults: a.production.calls,
      candidateResults: a.candidateCalls.calls,
      outcomes: a.outcomes.converted,
      labelled: a.outcomes.labelled,
    },
    latency: {
      production: latencySummary(a.production, alpha),
      candidate: latencySummary(a.candidateCalls, alpha),
      delta: {
        p50: quantileDelta(shadow.productionLatency, shadow.candidateLatency, 0.5, alpha),
        p90: quantileDelta(shadow.productionLatency, shadow.candidateLatency, 0.9, alpha),
        p99: quantileDelta(shadow.productionLatency, shadow.candidateLatency, 0.99, alpha),
        mean: pairedMeanDifference(shadow.latencyDifference, alpha),
        ratio: geometricMeanRatio(a.production.logLatencyMoments, a.candidateCalls.logLatencyMoments, alpha),
      },
      histogram: latencyHistogram(a.production.latency, a.candidateCalls.latency, HISTOGRAM_BINS),
    },
    errors: {
      production: wilsonInterval(a.production.errors, a.production.calls, alpha),
      candidate: wilsonInterval(a.candidateCalls.errors, a.candidateCalls.calls, alpha),
      difference: clampComparison(
        compareProportions(
          a.candidateCalls.errors,
          a.candidateCalls.calls,
          a.production.errors,
          a.production.calls,
          alpha,
        ),
      ),
    },
    agreement: {
      candidate: wilsonInterval(shadow.agreements, shadow.comparisons, alpha),
      noiseBaseline: noise === 0 ? null : wilsonInterval(noiseAgreements, noise, alpha),
      excessDisagreement:
        noise === 0 || shadow.comparisons === 0
          ? null
          : clampComparison(
              compareProportions(
                shadow.comparisons - shadow.agreements,
                shadow.comparisons,
                noise - noiseAgreements,
                noise,
                alpha,
              ),
            ).difference,
      metrics: Object.fromEntries(
        a.metrics
          .filter((m) => m.count > 0)
          .map((m): [string, MetricSummary] => [
            m.name,
            { count: m.count, mean: m.sum / m.count, min: m.min, max: m.max },
          ]),
      ),
      reasons: a.reasons.slice(0, 10),
    },
    conversion: conversionSection(arms, guardrails, alpha),
    accuracy: accuracySection(a, arms, alpha),
    timeline: { bucketMinutes: a.timeline.bucketMinutes, buckets: timelineBuckets(a, alpha) },
    guardrails: judgement.guardrails,
    verdict: judgement.verdict,
  };
}

function designOf(
  guardrails: Guardrails,
  options: Pick<AggregateReportOptions, 'alpha' | 'plannedSampleSize'>,
): Design {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError(`alpha must be in (0, 0.5), got ${alpha}`);
  const plannedSampleSize = options.plannedSampleSize ?? Math.max(guardrails.minSampleSize, 1000);
  if (!(plannedSampleSize >= 1))
    throw new RangeError(`plannedSampleSize must be >= 1, got ${plannedSampleSize}`);
  return { alpha, plannedSampleSize };
}

function pairedTotal(p: PairedCounts): number {
  return p.n00 + p.n01 + p.n10 + p.n11;
}

const clamp = (v: number | null, lo: number, hi: number) =>
  v === null ? null : Math.min(hi, Math.max(lo, v));

/** Rate differences live in [-1, 1]; Newcombe's interval can poke out of it at tiny counts. */
function clampComparison<T extends { difference: Interval }>(c: T): T {
  const d = c.difference;
  return {
    ...c,
    difference: { estimate: d.estimate, lower: clamp(d.lower, -1, 1), upper: clamp(d.upper, -1, 1) },
  };
}

function latencySummary(model: ModelCalls, alpha: number): LatencySummary {
  const n = totalCount(model.latency);
  const { min, max } = observedRange(model.latency);
  return {
    endpoint: model.endpoint,
    count: n,
    mean: model.latencyMoments.n === 0 ? null : model.latencyMoments.sum / model.latencyMoments.n,
    min,
    max,
    p50: quantileInterval(model.latency, 0.5, alpha),
    p90: quantileInterval(model.latency, 0.9, alpha),
    p99: quantileInterval(model.latency, 0.99, alpha),
  };
}

/** Candidate minus production quantile; the two order-statistic intervals at alpha/2 each. */
function quantileDelta(
  production: LatencyBuckets,
  candidate: LatencyBuckets,
  p: number,
  alpha: number,
): Interval {
  const c = quantileInterval(candidate, p, alpha / 2);
  const q = quantileInterval(production, p, alpha / 2);
  const minus = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
  return {
    estimate: minus(quantileEstimate(candidate, p), quantileEstimate(production, p)),
    lower: minus(c.lower, q.upper),
    upper: minus(c.upper, q.lower),
  };
}

function meanAndVariance(m: Moments): { mean: number; variance: number } | null {
  if (m.n < 2) return null;
  const mean = m.sum / m.n;
  return { mean, variance: Math.max(0, (m.sumSquares - m.n * mean * mean) / (m.n - 1)) };
}

/** Mean of the per-request differences (paired t interval). */
function pairedMeanDifference(d: Moments, alpha: number): Interval {
  const mv = meanAndVariance(d);
  if (mv === null) return { estimate: d.n === 1 ? d.sum : null, lower: null, upper: null };
  const half = studentTQuantile(1 - alpha / 2, d.n - 1) * Math.sqrt(mv.variance / d.n);
  return { estimate: mv.mean, lower: mv.mean - half, upper: mv.mean + half };
}

/** Ratio of geometric means candidate / production (Welch interval on log latencies). */
function geometricMeanRatio(production: Moments, candidate: Moments, alpha: number): Interval {
  const p = meanAndVariance(production);
  const c = meanAndVariance(candidate);
  if (p === null || c === null) return { estimate: null, lower: null, upper: null };
  const vp = p.variance / production.n;
  const vc = c.variance / candidate.n;
  const se = Math.sqrt(vp + vc);
  const estimate = c.mean - p.mean;
  if (se === 0) return { estimate: Math.exp(estimate), lower: Math.exp(estimate), upper: Math.exp(estimate) };
  const df = (vp + vc) ** 2 / (vp ** 2 / (production.n - 1) + vc ** 2 / (candidate.n - 1));
  const t = studentTQuantile(1 - alpha / 2, df);
  return {
    estimate: Math.exp(estimate),
    lower: Math.exp(estimate - t * se),
    upper: Math.exp(estimate + t * se),
  };
}

/**
 * Equal-width bins from the fastest call to a little past the slower p99, so one extreme
 * outlier (or the timeouts) does not squash the chart; the last bin also holds everything beyond.
 */
export function latencyHistogram(
  production: LatencyBuckets,
  candidate: LatencyBuckets,
  bins: number,
): LatencyHistogram {
  const all = [production, candidate].filter((b) => b.length > 0);
  if (all.length === 0) return { edges: [], production: [], candidate: [] };
  const low = Math.min(...all.map((b) => observedRange(b).min as number));
  const high = Math.max(...all.map((b) => quantileEstimate(b, 0.99) as number)) * 1.1;
  const width = high > low ? (high - low) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low + i * width);
  const count = (buckets: LatencyBuckets) => {
    const counts = new Array<number>(bins).fill(0);
    for (const [bucket, n] of buckets) {
      const bin = Math.max(0, Math.min(bins - 1, Math.floor((bucketMiddle(bucket) - low) / width)));
      counts[bin] = (counts[bin] ?? 0) + n;
    }
    return counts;
  };
  return { edges, production: count(production), candidate: count(candidate) };
}

/** A per-user rate as a Proportion: the cluster-robust interval, clamped to [0, 1]. */
function userProportion(
  sums: { sumY: number; sumM: number },
  ratio: ReturnType<typeof userRatio>,
  alpha: number,
): Proportion {
  if (ratio === null)
    return { successes: sums.sumY, trials: sums.sumM, estimate: null, lower: null, upper: null };
  const z = normalQuantile(1 - alpha / 2);
  const half = z * Math.sqrt(ratio.variance);
  return {
    successes: sums.sumY,
    trials: sums.sumM,
    estimate: ratio.rate,
    lower: Math.max(0, ratio.rate - half),
    upper: Math.min(1, ratio.rate + half),
  };
}

function differenceOf(
  first: ReturnType<typeof userRatio>,
  second: ReturnType<typeof userRatio>,
  alpha: number,
): { difference: Interval; z: number | null; pValue: number | null } {
  if (first === null || second === null) {
    return { difference: { estimate: null, lower: null, upper: null }, z: null, pValue: null };
  }
  const d = first.rate - second.rate;
  const se = Math.sqrt(first.variance + second.variance);
  const half = normalQuantile(1 - alpha / 2) * se;
  const z = se > 0 ? d / se : null;
  return {
    difference: { estimate: d, lower: Math.max(-1, d - half), upper: Math.min(1, d + half) },
    z,
    pValue: z === null ? null : 2 * normalCdf(-Math.abs(z)),
  };
}

function conversionSection(
  arms: ReturnType<typeof canaryArms>,
  guardrails: Guardrails,
  alpha: number,
): Report['conversion'] {
  const { production, canary } = arms;
  if (production === undefined || canary === undefined) return null;
  if (production.conversion.sumM + canary.conversion.sumM === 0) return null;
  const p = userRatio(production.conversion);
  const c = userRatio(canary.conversion);
  const target = p === null ? null : p.rate - guardrails.maxConversionDrop;
  return {
    production: userProportion(production.conversion, p, alpha),
    canary: userProportion(canary.conversion, c, alpha),
    users: { production: production.users, canary: canary.users },
    difference: differenceOf(c, p, alpha),
    samplesPerVariantToDetectMaxDrop:
      p === null || target === null || target <= 0
        ? null
        : sampleSizeTwoProportions(p.rate, target, alpha, 0.8),
  };
}

function accuracySection(
  a: ExperimentAggregates,
  arms: ReturnType<typeof canaryArms>,
  alpha: number,
): Report['accuracy'] {
  const paired = a.shadow.accuracy;
  const m = pairedTotal(paired);
  if (m > 0) {
    const productionRight = paired.n10 + paired.n11;
    const candidateRight = paired.n01 + paired.n11;
    const d = (paired.n01 - paired.n10) / m;
    const variance = Math.max(0, ((paired.n01 + paired.n10) / m - d * d) / m);
    const se = Math.sqrt(variance);
    const half = normalQuantile(1 - alpha / 2) * se;
    const z = se > 0 ? d / se : null;
    return {
      basis: 'paired',
      production: wilsonInterval(productionRight, m, alpha),
      candidate: wilsonInterval(candidateRight, m, alpha),
      difference: {
        difference: { estimate: d, lower: Math.max(-1, d - half), upper: Math.min(1, d + half) },
        z,
        pValue: z === null ? null : 2 * normalCdf(-Math.abs(z)),
      },
    };
  }
  const { production, canary } = arms;
  if (production === undefined || canary === undefined || canary.accuracy.sumM === 0) return null;
  const p = userRatio(production.accuracy);
  const c = userRatio(canary.accuracy);
  return {
    basis: 'users',
    production: userProportion(production.accuracy, p, alpha),
    candidate: userProportion(canary.accuracy, c, alpha),
    difference: differenceOf(c, p, alpha),
  };
}

/** Timeline rows as rates with Wilson intervals; gaps filled so a chart's time axis stays linear. */
function timelineBuckets(a: ExperimentAggregates, alpha: number): TimeBucket[] {
  const rows = [...a.timeline.rows].sort((x, y) => (x.start < y.start ? -1 : 1));
  if (rows.length === 0) return [];
  const width = a.timeline.bucketMinutes * 60_000;
  const byStart = new Map(rows.map((row) => [Date.parse(row.start), row]));
  const first = Date.parse((rows[0] as (typeof rows)[number]).start);
  const last = Date.parse((rows[rows.length - 1] as (typeof rows)[number]).start);
  const filled = width > 0 && (last - first) / width + 1 <= MAX_TIME_BUCKETS;
  const starts = filled
    ? Array.from({ length: Math.round((last - first) / width) + 1 }, (_, i) => first + i * width)
    : [...byStart.keys()];
  return starts.map((start) => {
    const row = byStart.get(start);
    return {
      start: new Date(start).toISOString(),
      records: row?.records ?? 0,
      agreement: wilsonInterval(row?.agreements ?? 0, row?.comparisons ?? 0, alpha),
      candidateErrors: wilsonInterval(row?.candidateErrors ?? 0, row?.candidateCalls ?? 0, alpha),
      productionErrors: wilsonInterval(row?.productionErrors ?? 0, row?.productionCalls ?? 0, alpha),
    };
  });
}
