/**
 * The guardrail decisions, from the experiment's aggregates (docs/verdict.md).
 *
 * Error rates, stated once:
 * - `met` is a one-sided anytime-valid test at `alpha`. PROMOTE needs every blocking guardrail
 *   met, and a bad candidate violates at least one in truth, so P(ever PROMOTE a bad candidate)
 *   <= alpha, however often the report is read.
 * - `violated` is a one-sided anytime-valid test at the guardrail's share of `alpha`
 *   (`rejectAlphas`: a weighted Bonferroni split over the blocking guardrails of this
 *   experiment, the weights fixed by its configuration, not by the data). A good candidate is
 *   falsely rejected only if one of them errs: P(ever falsely REJECT) <= sum of shares = alpha.
 *   The absolute and relative conversion guardrails, when both are configured, are one member of
 *   that split: a test of the limit that binds, chosen by a confidence sequence for production's
 *   rate (`conversionBinding`), whose errors add up to conversion's share.
 * Where a guardrail combines two estimates (noise-adjusted agreement, p99 increase), each bound
 * gets half of its test's alpha (union bound); paired accuracy is one exact test. The REJECT
 * side of noise-adjusted agreement splits its share again: exact bounds, or a normal mixture on
 * the difference once both streams have enough events.
 */
import { DEFAULT_MAX_ACCURACY_DROP, type Guardrails } from '../guardrails';
import {
  betMixture,
  horizonHalfWidth,
  logEvidenceAbove,
  logEvidenceBelow,
  logEvidenceMeanAbove,
  logEvidenceMeanBelow,
  meanBounds,
  oneSidedHalfWidth,
  rateBounds,
} from '../stats/anytime';
import type { Interval } from '../stats/interval';
import { type BetaMixture, betaMixture, projectSampleSize, smoothedRateVariance } from '../stats/sequential';
import type { CanaryArm, ExperimentAggregates, PairedCounts, UserRatioSums } from './aggregates';
import { milliseconds, percent, range } from './format';
import { countAbove, quantileBounds, totalCount } from './latency-buckets';
import type { GuardrailCheck, GuardrailName, GuardrailStatus } from './types';

const { abs, ceil, log, max, min } = Math;

export interface Design {
  /** Family-wise error rate of PROMOTE and of REJECT. */
  readonly alpha: number;
  /** Sample size the beta mixtures are tuned for (tightest there, valid at every size). */
  readonly plannedSampleSize: number;
  /** Whether undecided checks project the samples they still need (display only). @default true */
  readonly projections?: boolean;
}

/** Fixed-horizon z for the tuning of normal mixtures: one-sided 5 % and 90 % power. */
const TUNING_Z = 1.645 + 1.2816;
/**
 * Effective events and non-events each group needs before a normal-mixture test may decide:
 * below it the normal approximation behind it is not trusted (small canary, rare conversions).
 */
export const MIN_EFFECTIVE_EVENTS = 20;
const P99 = 0.99;

export interface CheckContext {
  readonly aggregates: ExperimentAggregates;
  readonly guardrails: Guardrails;
  readonly design: Design;
}

/** The canary arms this candidate is judged on: production's, and the candidate's own. */
export function canaryArms(a: ExperimentAggregates): { production?: CanaryArm; canary?: CanaryArm } {
  const production = a.canary.find(
    (arm) => arm.variant === 'production' && arm.endpoint === a.experiment.production,
  );
  const canary = a.canary.find((arm) => arm.variant === 'canary' && arm.endpoint === a.candidate);
  return { ...(production ? { production } : {}), ...(canary ? { canary } : {}) };
}

/** Which guardrails can block the verdict in this experiment (its configuration, not its data). */
export function blockingGuardrails(a: ExperimentAggregates, g: Guardrails): GuardrailName[] {
  const names: GuardrailName[] = ['maxErrorRate', 'maxP99LatencyMs', 'maxLatencyIncreaseMs'];
  if ((g.agreement ?? 'guardrail') === 'guardrail') names.push('minAgreement');
  names.push('maxAccuracyDrop');
  if (a.experiment.canaryPercent > 0 || canaryArms(a).canary !== undefined) {
    names.push('maxConversionDrop');
    if (g.maxConversionDropRelative !== undefined) names.push('maxConversionDropRelative');
  }
  return names;
}

const CONVERSION: readonly GuardrailName[] = ['maxConversionDrop', 'maxConversionDropRelative'];
/** Share of the REJECT alpha the conversion guardrails get together while a canary runs. */
export const CONVERSION_ALPHA_SHARE = 0.5;

/**
 * The REJECT alpha of each blocking guardrail: a weighted Bonferroni split whose weights sum to
 * 1 and are fixed by the experiment's configuration, never by its data, so P(ever falsely
 * REJECT) <= sum of the shares = alpha. While a canary runs, the conversion guardrails share
 * half of it: they are the only ones measured on users (far fewer units than requests), and
 * the only evidence of harm to the business; the shadow guardrails, measured on every request,
 * share the other half. Without a canary, equal shares.
 *
 * With both conversion limits (absolute and relative) the two are not split by Bonferroni: they
 * are one test at conversion's share, of the limit that binds (`conversionBinding`), which spends
 * `BINDING_ALPHA_FRACTION` of the share on a confidence sequence for production's rate and the
 * rest on the binding limit's test. Each of the two then carries that rest, share - alpha_s, as
 * its `alphaViolated`; a REJECT only ever rests on the limit that binds (or on both).
 */
export function rejectAlphas(blocking: readonly GuardrailName[], alpha: number): Map<GuardrailName, number> {
  const conversion = blocking.filter((name) => CONVERSION.includes(name));
  const others = blocking.filter((name) => !CONVERSION.includes(name));
  const shares = new Map<GuardrailName, number>();
  if (conversion.length === 0 || others.length === 0) {
    for (const name of blocking) shares.set(name, alpha / blocking.length);
    return shares;
  }
  const share = alpha * CONVERSION_ALPHA_SHARE;
  const each = conversion.length === 1 ? share : share * (1 - BINDING_ALPHA_FRACTION);
  for (const name of conversion) shares.set(name, each);
  for (const name of others) shares.set(name, (alpha * (1 - CONVERSION_ALPHA_SHARE)) / others.length);
  return shares;
}

/**
 * Share of conversion's REJECT alpha (alpha_s = 1/25 of it: 0.001 of 0.025) spent on the
 * confidence sequence for production's rate that tells which conversion limit binds
 * (`conversionBinding`); the binding limit's test gets the rest.
 */
export const BINDING_ALPHA_FRACTION = 1 / 25;

/**
 * Which conversion limit binds at this look: `relative` when r x (production's rate) is surely
 * below the absolute limit d, `absolute` when surely above it, `unknown` while the confidence
 * sequence for production's rate still straddles d / r (or holds too few events).
 */
export type BindingLimit = 'absolute' | 'relative' | 'unknown';

export interface ConversionBinding {
  readonly binds: BindingLimit;
  /** The confidence sequence's error rate (alpha_s) and the binding test's (share - alpha_s). */
  readonly alphaSelect: number;
  readonly alphaTest: number;
  /** Production's per-user conversion rate with its always-valid two-sided bounds at alpha_s. */
  readonly production: Interval;
  /** Why, for people: the sentence each conversion check's summary ends with. */
  readonly reason: string;
}

/**
 * Tests the limit that binds (both conversion limits configured). The null of REJECT on
 * conversion is "the canary is within both limits": drop = p - c <= min(d, r p), p production's
 * true rate. If r p < d the relative limit is the stricter one and "within relative" implies
 * "within absolute", so only the relative test is needed; if r p > d only the absolute one.
 * Which one holds depends on the unknown p, so it is read off an anytime-valid two-sided
 * confidence sequence for p at alpha_s (the one-sided normal mixture on each side at alpha_s / 2,
 * on the per-user ratio and its delta-method variance, behind the same small-sample gate):
 * - r x upper(p) < d: the relative limit binds; its test runs at share - alpha_s and the
 *   absolute test's REJECT side is not used (it must still be met for PROMOTE);
 * - r x lower(p) > d: the absolute limit binds, symmetrically;
 * - otherwise (not yet separated): a REJECT needs BOTH tests violated, each at share - alpha_s
 *   (an intersection-union test: the truly binding one must have erred).
 * Family-wise: when the sequence covers p, a REJECT is only ever issued when the truly binding
 * limit's test (at share - alpha_s, anytime-valid) crosses, whatever the state at each look, so
 * P(ever falsely REJECT on conversion) <= P(the sequence ever misses p) + P(the binding test
 * ever errs) <= alpha_s + (share - alpha_s) = share. (Splitting share - alpha_s in two while
 * unseparated, as Bonferroni does, would not be covered by this argument: the non-binding test
 * could err at times the binding one does not.) The choice changes nothing on the PROMOTE side.
 */
export function conversionBinding(a: ExperimentAggregates, g: Guardrails, share: number): ConversionBinding {
  const alphaSelect = share * BINDING_ALPHA_FRACTION;
  const alphaTest = share - alphaSelect;
  const d = g.maxConversionDrop;
  const r = g.maxConversionDropRelative ?? 0;
  const unknown = (production: Interval, reason: string): ConversionBinding => ({
    binds: 'unknown',
    alphaSelect,
    alphaTest,
    production,
    reason: `${reason}; a REJECT on conversion needs both limits crossed until it is known`,
  });
  const { production } = canaryArms(a);
  const p = production === undefined ? null : userRatio(production.conversion);
  if (p === null || p.effectiveEvents < MIN_EFFECTIVE_EVENTS) {
    return unknown(
      { estimate: p?.rate ?? null, lower: null, upper: null },
      `which conversion limit binds is not known yet: too few production conversion events (${MIN_EFFECTIVE_EVENTS} effective needed)`,
    );
  }
  // Tuned for the absolute guardrail's scale (configuration), like the conversion tests.
  const planned = (d / TUNING_Z) ** 2;
  const halfWidth = oneSidedHalfWidth(p.variance, planned, alphaSelect / 2);
  const bounds: Interval = {
    estimate: p.rate,
    lower: max(0, p.rate - halfWidth),
    upper: min(1, p.rate + halfWidth),
  };
  const lower = bounds.lower ?? 0;
  const upper = bounds.upper ?? 1;
  const of = `${percent(r)} of production's rate ${range(lower, upper, percent)} (always-valid, ${pct(alphaSelect)} error)`;
  const decided = (binds: BindingLimit, reason: string): ConversionBinding => ({
    binds,
    alphaSelect,
    alphaTest,
    production: bounds,
    reason,
  });
  if (r * upper < d)
    return decided(
      'relative',
      `the relative limit binds: ${of} is at most ${pointsApart(r * upper, d)}, below the ${points(d)} absolute limit`,
    );
  if (r * lower > d)
    return decided(
      'absolute',
      `the absolute limit binds: ${of} is at least ${pointsApart(r * lower, d)}, above the ${points(d)} absolute limit`,
    );
  return unknown(
    bounds,
    `which conversion limit binds is not known yet: ${of} spans ${range(r * lower, r * upper, points)}, around the ${points(d)} absolute limit`,
  );
}

/**
 * The conversion checks as the binding limit allows (`conversionBinding`): the non-binding one
 * never REJECTs; while unknown, a violation stands only if both are violated. Every conversion
 * summary says which limit binds and why. PROMOTE is untouched: each must still be met.
 */
export function applyConversionBinding(
  absolute: GuardrailCheck,
  relative: GuardrailCheck,
  binding: ConversionBinding,
): [GuardrailCheck, GuardrailCheck] {
  const both = absolute.status === 'violated' && relative.status === 'violated';
  const adjust = (check: GuardrailCheck, binds: boolean): GuardrailCheck => {
    const held = check.status === 'violated' && !binds;
    const note = binds
      ? binding.reason
      : binding.binds === 'unknown'
        ? binding.reason
        : `${binding.reason}, so this limit's REJECT side is not used (PROMOTE still needs it met)`;
    return {
      ...check,
      ...(held ? { status: 'undecided' as const } : {}),
      summary: `${check.summary}${held ? ' — not a REJECT on its own' : ''}; ${note}`,
    };
  };
  return [
    adjust(absolute, binding.binds === 'absolute' || (binding.binds === 'unknown' && both)),
    adjust(relative, binding.binds === 'relative' || (binding.binds === 'unknown' && both)),
  ];
}

export function checkGuardrails(context: CheckContext): GuardrailCheck[] {
  const { aggregates, guardrails } = context;
  const names = blockingGuardrails(aggregates, guardrails);
  const blocking = new Set(names);
  const shares = rejectAlphas(names, context.design.alpha);
  // A guardrail outside the family (evidence only) still shows bounds, at an equal share.
  const fallback = context.design.alpha / max(1, names.length);
  const tests = (name: GuardrailName): Tests => ({
    ...context,
    alphaMet: context.design.alpha,
    alphaViolated: shares.get(name) ?? fallback,
  });
  const absolute = conversionCheck(tests('maxConversionDrop'));
  const relativeLimit = guardrails.maxConversionDropRelative;
  const relative =
    relativeLimit === undefined
      ? undefined
      : relativeConversionCheck(tests('maxConversionDropRelative'), relativeLimit);
  const conversion =
    relative !== undefined && blocking.has('maxConversionDrop') && blocking.has('maxConversionDropRelative')
      ? applyConversionBinding(
          absolute,
          relative,
          conversionBinding(aggregates, guardrails, context.design.alpha * CONVERSION_ALPHA_SHARE),
        )
      : [absolute, ...(relative === undefined ? [] : [relative])];
  return [
    sampleSizeCheck(context),
    errorRateCheck(tests('maxErrorRate')),
    p99LatencyCheck(tests('maxP99LatencyMs')),
    latencyIncreaseCheck(tests('maxLatencyIncreaseMs')),
    agreementCheck(tests('minAgreement')),
    accuracyCheck(tests('maxAccuracyDrop')),
    ...conversion,
  ].map((check) =>
    check.guardrail === 'minSampleSize' || blocking.has(check.guardrail)
      ? check
      : { ...check, blocking: false },
  );
}

interface Tests extends CheckContext {
  readonly alphaMet: number;
  readonly alphaViolated: number;
}

// ---------------------------------------------------------------------------------------------
// Rates: exact one-sided beta-binomial mixtures.

/** Status of "rate <= limit" from the count of events. */
function rateStatusAtMost(
  events: number,
  trials: number,
  limit: number,
  mixture: BetaMixture,
  t: Tests,
): GuardrailStatus {
  if (trials === 0) return 'undecided';
  if (logEvidenceBelow(events, trials, limit, mixture) >= log(1 / t.alphaMet)) return 'met';
  if (logEvidenceAbove(events, trials, limit, mixture) >= log(1 / t.alphaViolated)) return 'violated';
  return 'undecided';
}

/** Trials after which "rate <= limit" would be decided if the observed rate held. */
function projectRate(
  events: number,
  trials: number,
  limit: number,
  mixture: BetaMixture,
  t: Tests,
): number | null {
  if (trials === 0) return null;
  const rate = events / trials;
  if (rate === limit) return null;
  const decided =
    rate < limit
      ? (n: number) => logEvidenceBelow(rate * n, n, limit, mixture) >= log(1 / t.alphaMet)
      : (n: number) => logEvidenceAbove(rate * n, n, limit, mixture) >= log(1 / t.alphaViolated);
  return projectSampleSize(trials, decided);
}

function sampleSizeCheck({ aggregates, guardrails }: CheckContext): GuardrailCheck {
  const n = aggregates.shadow.comparisons;
  const met = n >= guardrails.minSampleSize;
  return {
    guardrail: 'minSampleSize',
    status: met ? 'met' : 'undecided',
    threshold: guardrails.minSampleSize,
    measure: 'comparisons',
    evidence: { estimate: n, lower: null, upper: null },
    samples: n,
    unit: 'comparisons',
    ...(met ? {} : { samplesNeeded: guardrails.minSampleSize - n }),
    summary: met
      ? `${n} comparisons reach the minimum sample size of ${guardrails.minSampleSize}`
      : `${n} of the ${guardrails.minSampleSize} comparisons needed before a PROMOTE`,
  };
}

function errorRateCheck(t: Tests): GuardrailCheck {
  const { errors, calls } = t.aggregates.candidateCalls;
  const limit = t.guardrails.maxErrorRate;
  const mixture = betaMixture(limit, t.design);
  const status = rateStatusAtMost(errors, calls, limit, mixture, t);
  const bounds = rateBounds(errors, calls, mixture, t.alphaViolated, t.alphaMet);
  const interval: Interval = { estimate: calls === 0 ? null : errors / calls, ...bounds };
  return {
    guardrail: 'maxErrorRate',
    status,
    threshold: limit,
    measure: 'candidate error rate',
    evidence: interval,
    samples: calls,
    unit: 'candidate calls',
    alphaMet: t.alphaMet,
    alphaViolated: t.alphaViolated,
    ...needed(
      status,
      () => projectRate(errors, calls, limit, mixture, t),
      calls,
      t,
      'candidate calls',
      interval,
      limit,
    ),
    summary:
      calls === 0
        ? 'no candidate calls yet'
        : `candidate error rate ${percent(interval.estimate)} (${errors}/${calls}), ${level(t)} ${range(interval.lower, interval.upper, percent)}: ${verb(status, 'max')} the ${percent(limit)} limit`,
  };
}

function p99LatencyCheck(t: Tests): GuardrailCheck {
  const limit = t.guardrails.maxP99LatencyMs;
  const buckets = t.aggregates.candidateCalls.latency;
  const n = totalCount(buckets);
  const tail = 1 - P99;
  const mixture = betaMixture(tail, t.design);
  const { possibly, surely } = countAbove(buckets, limit);
  let status: GuardrailStatus = 'undecided';
  if (n > 0 && logEvidenceBelow(possibly, n, tail, mixture) >= log(1 / t.alphaMet)) status = 'met';
  else if (n > 0 && logEvidenceAbove(surely, n, tail, mixture) >= log(1 / t.alphaViolated))
    status = 'violated';
  const interval = quantileBounds(buckets, P99, mixture, t.alphaViolated, t.alphaMet);
  const share = n === 0 ? 0 : (possibly + surely) / 2;
  return {
    guardrail: 'maxP99LatencyMs',
    status,
    threshold: limit,
    measure: 'candidate p99 latency (ms), failures at the timeout',
    evidence: interval,
    samples: n,
    unit: 'candidate calls',
    alphaMet: t.alphaMet,
    alphaViolated: t.alphaViolated,
    ...needed(
      status,
      () => projectRate(share, n, tail, mixture, t),
      n,
      t,
      'candidate calls',
      interval,
      limit,
    ),
    summary:
      n === 0
        ? 'no candidate calls yet'
        : `candidate p99 latency ${milliseconds(interval.estimate)} (failed calls count at the timeout), ${level(t)} ${range(interval.lower, interval.upper, milliseconds)}: ${verb(status, 'max')} the ${milliseconds(limit)} limit`,
  };
}

/**
 * p99(candidate) - p99(production) on the same shadow requests: the candidate's bound minus
 * production's opposite bound, each at half the test's alpha.
 */
function latencyIncreaseCheck(t: Tests): GuardrailCheck {
  const limit = t.guardrails.maxLatencyIncreaseMs;
  const { productionLatency, candidateLatency } = t.aggregates.shadow;
  const mixture = betaMixture(1 - P99, t.design);
  const c = quantileBounds(candidateLatency, P99, mixture, t.alphaViolated / 2, t.alphaMet / 2);
  const p = quantileBounds(productionLatency, P99, mixture, t.alphaMet / 2, t.alphaViolated / 2);
  const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const interval: Interval = {
    estimate: minus(c.estimate, p.estimate),
    lower: minus(c.lower, p.upper),
    upper: minus(c.upper, p.lower),
  };
  const n = min(totalCount(candidateLatency), totalCount(productionLatency));
  const status = statusAtMost(interval, limit);
  return {
    guardrail: 'maxLatencyIncreaseMs',
    status,
    threshold: limit,
    measure: 'candidate p99 minus production p99 on the same requests (ms)',
    evidence: interval,
    samples: n,
    unit: 'shadow pairs',
    alphaMet: t.alphaMet,
    alphaViolated: t.alphaViolated,
    ...needed(status, projectByWidth(interval, limit, n), n, t, 'shadow pairs', interval, limit),
    summary:
      n === 0
        ? 'no shadow pairs yet'
        : `p99 latency increase ${milliseconds(interval.estimate)}, ${level(t)} ${range(interval.lower, interval.upper, milliseconds)}: ${verb(status, 'max')} the ${milliseconds(limit)} limit`,
  };
}

/**
 * Agreement, judged as disagreement <= 1 - minAgreement. With a noise baseline (production
 * re-invoked and compared with itself) only disagreement beyond production's own counts:
 * excess = candidate disagreement - self-disagreement, bounded by the candidate's bound minus
 * the noise's opposite bound (each exact, at half the alpha). Self-disagreement >= 0, so the
 * adjustment can only help a candidate; with few baseline comparisons it helps little.
 */
function agreementCheck(t: Tests): GuardrailCheck {
  const minimum = t.guardrails.minAgreement;
  const margin = 1 - minimum;
  const { comparisons, agreements, agreementWithNoise } = t.aggregates.shadow;
  const disagreements = comparisons - agreements;
  const noiseTrials = pairedTotal(agreementWithNoise);
  const noiseDisagreements = agreementWithNoise.n00 + agreementWithNoise.n01;
  const mixture = betaMixture(margin, t.design);
  const base = {
    guardrail: 'minAgreement' as const,
    threshold: minimum,
    samples: comparisons,
    unit: 'comparisons',
    alphaMet: t.alphaMet,
    alphaViolated: t.alphaViolated,
  };
  const rate = comparisons === 0 ? null : agreements / comparisons;
  if (comparisons === 0) {
    return {
      ...base,
      status: 'undecided',
      measure: 'candidate agreement',
      evidence: { estimate: null, lower: null, upper: null },
      samplesNeeded: t.guardrails.minSampleSize,
      summary: 'no comparisons yet',
    };
  }
  if (!((t.aggregates.experiment.noiseBaselineRate ?? 0) > 0)) {
    const status = rateStatusAtMost(disagreements, comparisons, margin, mixture, t);
    const b = rateBounds(disagreements, comparisons, mixture, t.alphaViolated, t.alphaMet);
    const interval: Interval = { estimate: rate, lower: 1 - b.upper, upper: 1 - b.lower };
    return {
      ...base,
      status,
      measure: 'candidate agreement',
      evidence: interval,
      ...needed(
        status,
        () => projectRate(disagreements, comparisons, margin, mixture, t),
        comparisons,
        t,
        'comparisons',
        interval,
        minimum,
      ),
      summary: `candidate agreement ${percent(rate)} (${agreements}/${comparisons}), ${level(t)} ${range(interval.lower, interval.upper, percent)}: ${verb(status, 'min')} the ${percent(minimum)} minimum`,
    };
  }
  // PROMOTE side: the exact union, each bound at half of alphaMet. REJECT side: the exact union
  // at half of alphaViolated (a quarter per bound) or, once both streams hold enough events, a
  // normal mixture on the difference at the other half; the larger lower bound of the two holds
  // with 1 - alphaViolated (union bound).
  const c = rateBounds(disagreements, comparisons, mixture, t.alphaViolated / 4, t.alphaMet / 2);
  const noise = rateBounds(noiseDisagreements, noiseTrials, mixture, t.alphaMet / 2, t.alphaViolated / 4);
  const noiseRate = noiseTrials === 0 ? 0 : noiseDisagreements / noiseTrials;
  const candidateRate = disagreements / comparisons;
  const excess = candidateRate - noiseRate;
  const excessUpper = c.upper - noise.lower;
  const excessLower = max(
    c.lower - noise.upper,
    excessLowerNormal(
      { events: disagreements, trials: comparisons },
      { events: noiseDisagreements, trials: noiseTrials },
      margin,
      t.alphaViolated / 2,
    ),
  );
  const clamp = (v: number) => min(1, max(0, v));
  const interval: Interval = {
    estimate: clamp(1 - excess),
    lower: clamp(1 - excessUpper),
    upper: clamp(1 - excessLower),
  };
  const status: GuardrailStatus =
    excessUpper <= margin ? 'met' : excessLower > margin ? 'violated' : 'undecided';
  const selfAgreement = noiseTrials === 0 ? null : 1 - noiseRate;
  return {
    ...base,
    status,
    measure: 'noise-adjusted agreement',
    evidence: interval,
    ...needed(
      status,
      projectByWidth(
        { estimate: excess, lower: excessLower, upper: excessUpper },
        margin,
        min(comparisons, noiseTrials),
      ),
      min(comparisons, noiseTrials),
      t,
      'noise-baseline comparisons',
      interval,
      minimum,
      (n) => ceil((n * comparisons) / noiseTrials),
    ),
    summary: `noise-adjusted agreement ${percent(interval.estimate)} (candidate ${percent(rate)}, production self-agreement ${percent(selfAgreement)} over ${noiseTrials}), ${level(t)} ${range(interval.lower, interval.upper, percent)}: ${verb(status, 'min')} the ${percent(minimum)} minimum`,
  };
}

/**
 * Lower bound of candidate disagreement minus production's self-disagreement by a one-sided
 * normal mixture on the difference of the two rates (their variances add; the two streams share
 * requests and correlate positively, which only makes this conservative). Asymptotic, so only
 * once each stream has MIN_EFFECTIVE_EVENTS disagreements and agreements; -Infinity before.
 * The exact union of two bounds adds their widths; this combines them in quadrature, which is
 * what lets a 10 % baseline decide near the one-shot sample size.
 */
function excessLowerNormal(
  candidate: { readonly events: number; readonly trials: number },
  noise: { readonly events: number; readonly trials: number },
  margin: number,
  alpha: number,
): number {
  const enough = (s: { readonly events: number; readonly trials: number }) =>
    min(s.events, s.trials - s.events) >= MIN_EFFECTIVE_EVENTS;
  if (!enough(candidate) || !enough(noise)) return Number.NEGATIVE_INFINITY;
  const pc = candidate.events / candidate.trials;
  const pn = noise.events / noise.trials;
  const variance = (pc * (1 - pc)) / candidate.trials + (pn * (1 - pn)) / noise.trials;
  const planned = (margin / TUNING_Z) ** 2;
  return pc - pn - oneSidedHalfWidth(variance, planned, alpha);
}

/**
 * Accuracy non-inferiority: candidate accuracy >= production accuracy - margin. On labelled
 * shadow pairs (both models answered the same request) the difference is P(only the candidate
 * is right) - P(only production is right), bounded exactly from the two discordant counts (each
 * bound at half the alpha). Without labelled pairs, over the canary arms per user.
 */
function accuracyCheck(t: Tests): GuardrailCheck {
  const margin = t.guardrails.maxAccuracyDrop ?? DEFAULT_MAX_ACCURACY_DROP;
  const paired = t.aggregates.shadow.accuracy;
  const m = pairedTotal(paired);
  const base = {
    guardrail: 'maxAccuracyDrop' as const,
    threshold: margin,
    alphaMet: t.alphaMet,
    alphaViolated: t.alphaViolated,
  };
  if (m > 0) {
    // drop = production accuracy - candidate accuracy = E X, X = +1 (only production right),
    // -1 (only the candidate right), 0 otherwise: one exact test on the paired difference.
    const counts = { plus: paired.n10, minus: paired.n01, zero: paired.n00 + paired.n11 };
    const bets = betMixture(margin, t.design.plannedSampleSize, t.alphaMet);
    const bounds = meanBounds(counts, bets, t.alphaViolated, t.alphaMet);
    const drop = (paired.n10 - paired.n01) / m;
    const interval: Interval = { estimate: drop, lower: bounds.lower, upper: bounds.upper };
    const status: GuardrailStatus =
      logEvidenceMeanBelow(counts, margin, bets) >= log(1 / t.alphaMet)
        ? 'met'
        : logEvidenceMeanAbove(counts, margin, bets) >= log(1 / t.alphaViolated)
          ? 'violated'
          : 'undecided';
    return {
      ...base,
      status,
      measure: 'accuracy drop (production - candidate) on labelled shadow pairs',
      evidence: interval,
      samples: m,
      unit: 'labelled pairs',
      ...needed(status, projectByWidth(interval, margin, m), m, t, 'labelled pairs', interval, margin),
      summary: `accuracy drop ${points(drop)} (production ${percent((paired.n10 + paired.n11) / m)}, candidate ${percent((paired.n01 + paired.n11) / m)} on ${m} labelled pairs), ${level(t)} ${range(interval.lower, interval.upper, points)}: ${verb(status, 'max')} the ${points(margin)} margin`,
    };
  }
  const { production, canary } = canaryArms(t.aggregates);
  if (production !== undefined && canary !== undefined && canary.accuracy.sumM > 0) {
    return {
      ...base,
      ...ratioDropCheck(production.accuracy, canary.accuracy, margin, t, 'accuracy'),
      measure: 'accuracy drop (production - canary), per user',
    };
  }
  return {
    ...base,
    status: 'not_applicable',
    measure: 'accuracy drop (production - candidate)',
    evidence: { estimate: null, lower: null, upper: null },
    samples: 0,
    unit: 'labelled pairs',
    summary: 'no labels posted yet: accuracy is judged once labels arrive',
  };
}

/**
 * Conversion drop = production rate - canary rate, over users (the unit the canary assigns):
 * each rate is a ratio of per-user sums with a delta-method (cluster-robust) variance. Only the
 * candidate that serves the canary is judged on it; a replay-only candidate never is.
 */
function conversionCheck(t: Tests): GuardrailCheck {
  const limit = t.guardrails.maxConversionDrop;
  const { production, canary } = canaryArms(t.aggregates);
  const base = {
    guardrail: 'maxConversionDrop' as const,
    threshold: limit,
    measure: 'conversion drop (production rate - canary rate), per user',
    alphaMet: t.alphaMet,
    alphaViolated: t.alphaViolated,
  };
  if (canary === undefined || production === undefined) {
    const servedBy = t.aggregates.canary.find((arm) => arm.variant === 'canary');
    return {
      ...base,
      status: 'not_applicable',
      evidence: { estimate: null, lower: null, upper: null },
      samples: 0,
      unit: 'users',
      summary:
        servedBy === undefined
          ? 'no canary traffic: conversion is judged once a canary serves users'
          : `the canary is ${servedBy.endpoint}, not ${t.aggregates.candidate}: a replay-only candidate is not judged on conversion`,
    };
  }
  return { ...base, ...ratioDropCheck(production.conversion, canary.conversion, limit, t, 'conversion') };
}

/**
 * Relative conversion drop = 1 - canary rate / production rate, per user. "At most r" is
 * "(1 - r) p - c <= 0", a linear contrast of the two per-user ratios, so it is tested like the
 * absolute drop (one-sided normal mixture on the contrast, delta-method variances
 * (1 - r)^2 V_p + V_c, the same small-sample gate), with no delta method on the quotient. The
 * interval on the relative drop is the set of r' the tests do not reject (bisection).
 */
function relativeConversionCheck(t: Tests, limit: number): GuardrailCheck {
  const { production, canary } = canaryArms(t.aggregates);
  const base = {
    guardrail: 'maxConversionDropRelative' as const,
    threshold: limit,
    measure: 'relative conversion drop (1 - canary rate / production rate), per user',
    alphaMet: t.alphaMet,
    alphaViolated: t.alphaViolated,
  };
  const p = production === undefined ? null : userRatio(production.conversion);
  const c = canary === undefined ? null : userRatio(canary.conversion);
  if (production === undefined || canary === undefined || p === null || c === null) {
    const absolute = conversionCheck(t);
    return {
      ...absolute,
      ...base,
      status: absolute.status === 'not_applicable' ? 'not_applicable' : 'undecided',
      evidence: { estimate: null, lower: null, upper: null },
    };
  }
  // Tuned for the absolute guardrail's scale (configuration), never for the observed rate.
  const planned = (t.guardrails.maxConversionDrop / TUNING_Z) ** 2;
  const contrast = (r: number) => {
    const value = (1 - r) * p.rate - c.rate;
    const variance = (1 - r) * (1 - r) * p.variance + c.variance;
    return {
      upper: value + oneSidedHalfWidth(variance, planned, t.alphaMet),
      lower: value - conversionRejectHalfWidth(variance, planned, t),
    };
  };
  const enough = min(p.effectiveEvents, c.effectiveEvents) >= MIN_EFFECTIVE_EVENTS;
  const at = contrast(limit);
  const status: GuardrailStatus = !enough
    ? 'undecided'
    : at.upper <= 0
      ? 'met'
      : at.lower > 0
        ? 'violated'
        : 'undecided';
  const bisect = (inside: (r: number) => boolean) => {
    // The contrast falls as r grows: find the boundary of {r : inside(r)} in [-10, 1].
    let lo = -10;
    let hi = 1;
    for (let i = 0; i < 50 && hi - lo > 1e-7; i++) {
      const mid = (lo + hi) / 2;
      if (inside(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  const estimate = p.rate > 0 ? 1 - c.rate / p.rate : null;
  const interval: Interval = {
    estimate,
    lower: p.rate > 0 ? bisect((r) => !(contrast(r).lower > 0)) : null,
    upper: p.rate > 0 ? bisect((r) => contrast(r).upper <= 0) : null,
  };
  const users = production.conversion.users + canary.conversion.users;
  return {
    ...base,
    status,
    evidence: interval,
    samples: users,
    unit: 'users',
    ...needed(status, projectByWidth(interval, limit, users), users, t, 'users', interval, limit),
    summary: `relative conversion drop ${percent(estimate)} (production ${percent(p.rate)}, canary ${percent(c.rate)}), ${conversionLevel(t)} ${range(interval.lower, interval.upper, percent)}: ${enough ? verb(status, 'max') : `too few conversion events to judge yet (${MIN_EFFECTIVE_EVENTS} effective per arm needed) against`} the ${percent(limit)} limit`,
  };
}

/** Cluster-robust ratio y/m over users and the variance of its estimate (delta method). */
export function userRatio(
  s: UserRatioSums,
): { rate: number; variance: number; effectiveEvents: number } | null {
  if (s.sumM <= 0) return null;
  const rate = s.sumY / s.sumM;
  const residual = max(0, s.sumY2 - 2 * rate * s.sumMY + rate * rate * s.sumM2);
  const correction = s.users > 1 ? s.users / (s.users - 1) : 1;
  const clustered = (residual * correction) / (s.sumM * s.sumM);
  // Never below the smoothed binomial variance: no events yet must not look like certainty.
  const binomial = smoothedRateVariance(s.sumY, s.sumM);
  const variance = max(clustered, binomial);
  // Kish design effect: how many independent observations the clustered ones are worth.
  const effectiveTrials = (s.sumM * binomial) / variance;
  return { rate, variance, effectiveEvents: min(rate, 1 - rate) * effectiveTrials };
}

function ratioDropCheck(
  productionSums: UserRatioSums,
  canarySums: UserRatioSums,
  limit: number,
  t: Tests,
  what: string,
): Omit<GuardrailCheck, 'guardrail' | 'threshold' | 'measure'> {
  const p = userRatio(productionSums);
  const c = userRatio(canarySums);
  const users = productionSums.users + canarySums.users;
  if (p === null || c === null) {
    return {
      status: 'undecided',
      evidence: { estimate: null, lower: null, upper: null },
      samples: users,
      unit: 'users',
      samplesNeeded: t.guardrails.minSampleSize,
      summary: `${what} outcomes so far: ${productionSums.sumM} production, ${canarySums.sumM} canary`,
    };
  }
  const drop = p.rate - c.rate;
  const variance = p.variance + c.variance;
  const planned = (limit / TUNING_Z) ** 2;
  const upper = drop + oneSidedHalfWidth(variance, planned, t.alphaMet);
  const lower = drop - conversionRejectHalfWidth(variance, planned, t);
  const interval: Interval = { estimate: drop, lower: max(-1, lower), upper: min(1, upper) };
  const enough = min(p.effectiveEvents, c.effectiveEvents) >= MIN_EFFECTIVE_EVENTS;
  const status: GuardrailStatus = enough ? statusAtMost(interval, limit) : 'undecided';
  return {
    status,
    evidence: interval,
    samples: users,
    unit: 'users',
    ...needed(
      status,
      () => projectNormal(drop, variance, users, limit, planned, t),
      users,
      t,
      'users',
      interval,
      limit,
    ),
    summary: `${what} drop ${points(drop)} (production ${percent(p.rate)} of ${productionSums.sumM} over ${productionSums.users} users, canary ${percent(c.rate)} of ${canarySums.sumM} over ${canarySums.users} users), ${conversionLevel(t)} ${range(interval.lower, interval.upper, points)}: ${enough ? verb(status, 'max') : `too few ${what} events to judge yet (${MIN_EFFECTIVE_EVENTS} effective per arm needed) against`} the ${points(limit)} limit`,
  };
}

function projectNormal(
  estimate: number,
  variance: number,
  n: number,
  limit: number,
  planned: number,
  t: Tests,
): number | null {
  const gap = abs(estimate - limit);
  if (gap === 0 || n === 0) return null;
  const halfWidth = (k: number) =>
    estimate < limit
      ? oneSidedHalfWidth((variance * n) / k, planned, t.alphaMet)
      : conversionRejectHalfWidth((variance * n) / k, planned, t, k / n);
  return projectSampleSize(n, (k) => halfWidth(k) < gap);
}

/**
 * Share of a conversion test's REJECT alpha spent by the experiment's planned length
 * (`plannedRecords`), when it has one; the open-ended mixture keeps the rest.
 */
export const HORIZON_ALPHA_SHARE = 0.75;

/**
 * Half-width of the REJECT side of a conversion test (absolute or relative): the one-sided normal
 * mixture, valid forever; with a planned length, the smaller of that mixture at a quarter of the
 * alpha and the horizon boundary at three quarters (`horizonHalfWidth`, valid up to the plan,
 * infinite past it). A union bound: P(ever falsely REJECT) <= both shares = the test's alpha.
 * The information fraction is the experiment's records over the plan (`growth` scales today's
 * records for a projection): the users' contrasts accrue with the requests.
 */
function conversionRejectHalfWidth(variance: number, planned: number, t: Tests, growth = 1): number {
  const plan = t.guardrails.plannedRecords;
  if (plan === undefined) return oneSidedHalfWidth(variance, planned, t.alphaViolated);
  const open = oneSidedHalfWidth(variance, planned, t.alphaViolated * (1 - HORIZON_ALPHA_SHARE));
  const fraction = (t.aggregates.records * growth) / plan;
  return min(open, horizonHalfWidth(variance, fraction, t.alphaViolated * HORIZON_ALPHA_SHARE));
}

// ---------------------------------------------------------------------------------------------

function pairedTotal(p: PairedCounts): number {
  return p.n00 + p.n01 + p.n10 + p.n11;
}

function statusAtMost(interval: Interval, limit: number): GuardrailStatus {
  if (interval.upper !== null && interval.upper <= limit) return 'met';
  if (interval.lower !== null && interval.lower > limit) return 'violated';
  return 'undecided';
}

function verb(status: GuardrailStatus, kind: 'max' | 'min'): string {
  if (status === 'met') return kind === 'max' ? 'within' : 'above';
  if (status === 'violated') return kind === 'max' ? 'above' : 'below';
  return 'not yet distinguishable from';
}

function level(t: Tests): string {
  return `always-valid bounds (PROMOTE side at ${pct(t.alphaMet)}, REJECT side at ${pct(t.alphaViolated)} error)`;
}

/** `level` of a conversion test, saying when its REJECT side is spent by the experiment's plan. */
function conversionLevel(t: Tests): string {
  const plan = t.guardrails.plannedRecords;
  if (plan === undefined) return level(t);
  const records = t.aggregates.records;
  const where =
    records <= plan
      ? `mostly spent by the planned ${plan.toLocaleString('en-US')} records (${records.toLocaleString('en-US')} so far)`
      : `past the planned ${plan.toLocaleString('en-US')} records: the open-ended share alone`;
  return `${level(t).slice(0, -1)}; REJECT side ${where})`;
}

const pct = (v: number) => `${Math.round(v * 10_000) / 100}%`;
const points = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} points`);
/** `value` in points with the decimals (2 to 6) it takes to read apart from `from`. */
const pointsApart = (value: number, from: number): string => {
  let digits = 2;
  while (digits < 6 && (value * 100).toFixed(digits) === (from * 100).toFixed(digits)) digits += 1;
  return `${(value * 100).toFixed(digits)} points`;
};

/** Largest sample size a projection is taken seriously at, relative to the current one. */
const PLAUSIBLE_GROWTH = 20;
const PLAUSIBLE_FLOOR = 100_000;

/**
 * `samplesNeeded` (finite, plausible) or `notReachable` (with the reason) for an undecided
 * check; nothing for a decided one.
 */
function needed(
  status: GuardrailStatus,
  projection: number | null | (() => number | null),
  current: number,
  t: Tests,
  unit: string,
  interval: Interval,
  threshold: number,
  toUnit: (n: number) => number = (n) => n,
): { samplesNeeded?: number; notReachable?: string } {
  if (status !== 'undecided' || t.design.projections === false) return {};
  if (current === 0) return { samplesNeeded: t.guardrails.minSampleSize };
  const projected = typeof projection === 'function' ? projection() : projection;
  if (projected === null || projected > max(PLAUSIBLE_GROWTH * current, PLAUSIBLE_FLOOR)) {
    const at =
      interval.estimate === null
        ? ''
        : ` (estimate ${round(interval.estimate)} vs threshold ${round(threshold)})`;
    return {
      notReachable:
        projected === null
          ? `not reachable at the observed effect: the estimate sits on the threshold${at}, so more data may never decide`
          : `not reachable at the observed effect: the estimate is too close to the threshold${at}; deciding would take over ${max(PLAUSIBLE_GROWTH * current, PLAUSIBLE_FLOOR).toLocaleString('en-US')} ${unit}`,
    };
  }
  return { samplesNeeded: max(1, ceil(toUnit(projected) - toUnit(current))) };
}

const round = (v: number) => String(Math.round(v * 10_000) / 10_000);

/**
 * Projection for intervals without a closed form: widths shrink about as 1/sqrt(n), so the side
 * facing the limit must shrink by (distance to limit / current half-width)^2.
 */
function projectByWidth(interval: Interval, limit: number, n: number): number | null {
  const { estimate, lower, upper } = interval;
  if (estimate === null || n === 0) return null;
  const gap = abs(limit - estimate);
  if (gap === 0) return null;
  const side = estimate <= limit ? upper : lower;
  if (side === null) return n * 4;
  const halfWidth = abs(side - estimate);
  return ceil(n * max(1, (halfWidth / gap) ** 2));
}
