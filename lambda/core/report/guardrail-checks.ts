import type { Guardrails } from '../guardrails';
import type { Interval } from '../stats/interval';
import {
  betaMixture,
  observationsToExclude,
  quantileConfidenceSequence,
  rateConfidenceSequence,
  rateDifferenceConfidenceSequence,
  type SequentialDesign,
  trialsToExclude,
} from '../stats/sequential';
import type { Evidence } from './evidence';
import { milliseconds, percent, range } from './format';
import type { GuardrailCheck, GuardrailStatus } from './types';

export interface CheckContext {
  readonly evidence: Evidence;
  /** Sorted latencies of successful calls. */
  readonly productionLatencies: Float64Array;
  readonly candidateLatencies: Float64Array;
  readonly guardrails: Guardrails;
  readonly design: SequentialDesign;
}

/**
 * Judges every guardrail on always-valid intervals (see `stats/sequential`). A guardrail is
 * `met` or `violated` only when its interval lies entirely on one side of the threshold, so each
 * such call is wrong with probability <= alpha however often the report is requested. A bad
 * candidate violates at least one guardrail in truth, and PROMOTE needs every guardrail met, so
 * the chance of ever promoting a bad candidate is <= alpha without any multiplicity correction.
 */
export function checkGuardrails(context: CheckContext): GuardrailCheck[] {
  return [
    sampleSizeCheck(context),
    errorRateCheck(context),
    p99LatencyCheck(context),
    latencyIncreaseCheck(context),
    agreementCheck(context),
    conversionCheck(context),
  ];
}

const P99 = 0.99;

function sampleSizeCheck({ evidence, guardrails }: CheckContext): GuardrailCheck {
  const n = evidence.agreement.trials;
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

function errorRateCheck({ evidence, guardrails, design }: CheckContext): GuardrailCheck {
  const { successes: errors, trials } = evidence.candidateModel.errors;
  const limit = guardrails.maxErrorRate;
  const mixture = betaMixture(limit, design);
  const interval = rateConfidenceSequence(errors, trials, mixture, design.alpha);
  const status = trials === 0 ? 'undecided' : statusForMaximum(interval, limit);
  return {
    guardrail: 'maxErrorRate',
    status,
    threshold: limit,
    measure: 'candidate error rate',
    evidence: interval,
    samples: trials,
    unit: 'candidate calls',
    ...samplesNeeded(
      status,
      trialsToExclude(errors, trials, limit, mixture, design.alpha),
      trials,
      guardrails,
    ),
    summary:
      trials === 0
        ? 'no candidate calls yet'
        : `candidate error rate ${percent(interval.estimate)} (${errors}/${trials}), ${level(design)} ${range(interval.lower, interval.upper, percent)}: ${verb(status, 'max')} the ${percent(limit)} limit`,
  };
}

function p99LatencyCheck({ candidateLatencies, guardrails, design }: CheckContext): GuardrailCheck {
  const limit = guardrails.maxP99LatencyMs;
  const n = candidateLatencies.length;
  const mixture = betaMixture(P99, design);
  const interval = quantileConfidenceSequence(candidateLatencies, P99, mixture, design.alpha);
  const status = n === 0 ? 'undecided' : statusForMaximum(interval, limit);
  // "p99 <= limit" is "share of latencies <= limit is >= 99%", the same test on a count.
  const withinLimit = countAtMost(candidateLatencies, limit);
  return {
    guardrail: 'maxP99LatencyMs',
    status,
    threshold: limit,
    measure: 'candidate p99 latency (ms)',
    evidence: interval,
    samples: n,
    unit: 'successful candidate calls',
    ...samplesNeeded(status, trialsToExclude(withinLimit, n, P99, mixture, design.alpha), n, guardrails),
    summary:
      n === 0
        ? 'no candidate latencies yet'
        : `candidate p99 latency ${milliseconds(interval.estimate)}, ${level(design)} ${range(interval.lower, interval.upper, milliseconds)}: ${verb(status, 'max')} the ${milliseconds(limit)} limit`,
  };
}

/**
 * p99(candidate) - p99(production), from the two quantile sequences at alpha/2 each (a union
 * bound keeps the pair at alpha): [Lc - Up, Uc - Lp]. Distribution-free, and valid although the
 * two samples have different sizes.
 */
function latencyIncreaseCheck({
  productionLatencies,
  candidateLatencies,
  guardrails,
  design,
}: CheckContext): GuardrailCheck {
  const limit = guardrails.maxLatencyIncreaseMs;
  const half = { ...design, alpha: design.alpha / 2 };
  const mixture = betaMixture(P99, half);
  const candidate = quantileConfidenceSequence(candidateLatencies, P99, mixture, half.alpha);
  const production = quantileConfidenceSequence(productionLatencies, P99, mixture, half.alpha);
  const difference = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const interval: Interval = {
    estimate: difference(candidate.estimate, production.estimate),
    lower: difference(candidate.lower, production.upper),
    upper: difference(candidate.upper, production.lower),
  };
  const n = Math.min(candidateLatencies.length, productionLatencies.length);
  const status = n === 0 ? 'undecided' : statusForMaximum(interval, limit);
  return {
    guardrail: 'maxLatencyIncreaseMs',
    status,
    threshold: limit,
    measure: 'candidate p99 minus production p99 (ms)',
    evidence: interval,
    samples: n,
    unit: 'successful calls per model',
    ...samplesNeeded(status, projectByWidth(interval, limit, n), n, guardrails),
    summary:
      n === 0
        ? 'no latencies of both models yet'
        : `p99 latency increase ${milliseconds(interval.estimate)}, ${level(design)} ${range(interval.lower, interval.upper, milliseconds)}: ${verb(status, 'max')} the ${milliseconds(limit)} limit`,
  };
}

/**
 * Agreement. Without a noise baseline: the candidate's agreement rate against `minAgreement`.
 * With one, the candidate is only blamed for disagreement beyond production's own: the
 * noise-adjusted agreement is 1 - (candidate disagreement - production self-disagreement).
 * Because self-disagreement is >= 0 the adjustment can only help the candidate, so `met` is
 * reached by either test and `violated` needs the adjusted one; each then runs at alpha/2 so
 * the pair still errs with probability <= alpha.
 */
function agreementCheck({ evidence, guardrails, design }: CheckContext): GuardrailCheck {
  const minimum = guardrails.minAgreement;
  const { successes: agreeing, trials } = evidence.agreement;
  const baseline = evidence.noiseBaseline;
  const hasBaseline = baseline.trials > 0;
  const rawDesign = hasBaseline ? { ...design, alpha: design.alpha / 2 } : design;
  const mixture = betaMixture(minimum, rawDesign);
  const raw = rateConfidenceSequence(agreeing, trials, mixture, rawDesign.alpha);
  const rawStatus = trials === 0 ? 'undecided' : statusForMinimum(raw, minimum);
  const rawNeeded = trialsToExclude(agreeing, trials, minimum, mixture, rawDesign.alpha);
  const base = {
    guardrail: 'minAgreement' as const,
    threshold: minimum,
    samples: trials,
    unit: 'comparisons',
  };
  const rawSummary = (status: GuardrailStatus) =>
    `candidate agreement ${percent(raw.estimate)} (${agreeing}/${trials}), ${level(rawDesign)} ${range(raw.lower, raw.upper, percent)}: ${verb(status, 'min')} the ${percent(minimum)} minimum`;

  if (trials === 0) {
    return {
      ...base,
      status: 'undecided',
      measure: 'candidate agreement',
      evidence: raw,
      samplesNeeded: guardrails.minSampleSize,
      summary: 'no comparisons yet',
    };
  }
  if (!hasBaseline || rawStatus === 'met') {
    return {
      ...base,
      status: rawStatus,
      measure: 'candidate agreement',
      evidence: raw,
      ...samplesNeeded(rawStatus, rawNeeded, trials, guardrails),
      summary: rawSummary(rawStatus),
    };
  }

  // Disagreement rates: candidate vs production, and production vs itself.
  const half = { ...design, alpha: design.alpha / 2 };
  const excess = rateDifferenceConfidenceSequence(
    trials - agreeing,
    trials,
    baseline.trials - baseline.successes,
    baseline.trials,
    half,
  );
  const flip = (v: number | null) => (v === null ? null : 1 - v);
  const adjusted: Interval = {
    estimate: flip(excess.estimate),
    lower: flip(excess.upper),
    upper: flip(excess.lower),
  };
  const status = statusForMinimum(adjusted, minimum);
  const observations = trials + baseline.trials;
  const adjustedNeeded =
    excess.estimate === null || excess.variance === null
      ? null
      : observationsToExclude(excess.estimate, excess.variance, observations, 1 - minimum, half);
  // Projected observations include baseline comparisons; convert to comparisons at the current mix.
  const inComparisons = adjustedNeeded === null ? null : Math.ceil((adjustedNeeded * trials) / observations);
  const needed = [rawNeeded, inComparisons].filter((v): v is number => v !== null);
  return {
    ...base,
    status,
    measure: 'noise-adjusted agreement',
    evidence: adjusted,
    ...samplesNeeded(status, needed.length > 0 ? Math.min(...needed) : null, trials, guardrails),
    summary: `noise-adjusted agreement ${percent(adjusted.estimate)} (candidate ${percent(raw.estimate)}, production self-agreement ${percent(baseline.successes / baseline.trials)} over ${baseline.trials}), ${level(half)} ${range(adjusted.lower, adjusted.upper, percent)}: ${verb(status, 'min')} the ${percent(minimum)} minimum`,
  };
}

/** Conversion drop = production rate - canary rate, judged only once a canary serves users. */
function conversionCheck({ evidence, guardrails, design }: CheckContext): GuardrailCheck {
  const limit = guardrails.maxConversionDrop;
  const { production, canary } = evidence.conversion;
  const base = {
    guardrail: 'maxConversionDrop' as const,
    threshold: limit,
    measure: 'conversion drop (production rate - canary rate)',
    unit: 'outcomes',
  };
  if (evidence.canaryServed === 0 && canary.trials === 0) {
    return {
      ...base,
      status: 'not_applicable',
      evidence: { estimate: null, lower: null, upper: null },
      samples: production.trials,
      summary: 'no canary traffic: conversion is judged once a canary serves users',
    };
  }
  const drop = rateDifferenceConfidenceSequence(
    production.successes,
    production.trials,
    canary.successes,
    canary.trials,
    design,
  );
  const observations = production.trials + canary.trials;
  const interval: Interval = { estimate: drop.estimate, lower: drop.lower, upper: drop.upper };
  if (drop.estimate === null || drop.variance === null) {
    return {
      ...base,
      status: 'undecided',
      evidence: interval,
      samples: observations,
      summary: `conversion outcomes so far: ${production.trials} production, ${canary.trials} canary`,
    };
  }
  const status = statusForMaximum(interval, limit);
  const projected = observationsToExclude(drop.estimate, drop.variance, observations, limit, design);
  return {
    ...base,
    status,
    evidence: interval,
    samples: observations,
    ...samplesNeeded(status, projected, observations, guardrails),
    summary: `conversion drop ${percent(drop.estimate)} (production ${percent(production.successes / production.trials)} of ${production.trials}, canary ${percent(canary.successes / canary.trials)} of ${canary.trials}), ${level(design)} ${range(interval.lower, interval.upper, percent)}: ${verb(status, 'max')} the ${percent(limit)} limit`,
  };
}

function statusForMaximum(interval: Interval, limit: number): GuardrailStatus {
  if (interval.upper !== null && interval.upper <= limit) return 'met';
  if (interval.lower !== null && interval.lower > limit) return 'violated';
  return 'undecided';
}

function statusForMinimum(interval: Interval, minimum: number): GuardrailStatus {
  if (interval.lower !== null && interval.lower >= minimum) return 'met';
  if (interval.upper !== null && interval.upper < minimum) return 'violated';
  return 'undecided';
}

function verb(status: GuardrailStatus, kind: 'max' | 'min'): string {
  if (status === 'met') return kind === 'max' ? 'within' : 'above';
  if (status === 'violated') return kind === 'max' ? 'above' : 'below';
  return 'not yet distinguishable from';
}

function level(design: SequentialDesign): string {
  return `always-valid ${Math.round((1 - design.alpha) * 1000) / 10}% interval`;
}

/**
 * `samplesNeeded` for an undecided check: the projection minus what is there, at least 1;
 * without a projection (no data yet) the minimum sample size is the best guess.
 */
function samplesNeeded(
  status: GuardrailStatus,
  projected: number | null,
  current: number,
  guardrails: Guardrails,
): { samplesNeeded?: number } {
  if (status !== 'undecided') return {};
  if (projected === null) return current === 0 ? { samplesNeeded: guardrails.minSampleSize } : {};
  return { samplesNeeded: Math.max(1, Math.ceil(projected - current)) };
}

/**
 * Rough projection for the latency-increase interval, which has no closed form: quantile
 * intervals shrink about as 1/sqrt(n), so the side facing the limit must shrink by
 * (distance to limit / current half-width)^2.
 */
function projectByWidth(interval: Interval, limit: number, n: number): number | null {
  const { estimate, lower, upper } = interval;
  if (estimate === null || lower === null || upper === null || n === 0) return null;
  const gap = Math.abs(limit - estimate);
  const halfWidth = estimate <= limit ? upper - estimate : estimate - lower;
  if (gap === 0) return null;
  return Math.ceil(n * (halfWidth / gap) ** 2);
}

/** Number of sorted values <= limit (binary search). */
function countAtMost(sorted: Float64Array, limit: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
