/**
 * Always-valid inference: confidence sequences that may be looked at after every new sample
 * without inflating the error rate.
 *
 * Why: a fixed-sample 95% interval checked after each batch, stopping at the first PROMOTE,
 * promotes a bad candidate far more often than 5% (the "peeking" problem; Johari, Koomen,
 * Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests", Operations
 * Research 70(3), 2022). A confidence sequence (CS) is a sequence of intervals that contains the
 * truth at all sample sizes simultaneously with probability >= 1 - alpha, so any rule that
 * decides when one lies on one side of a guardrail — at any time, as often as anyone looks —
 * errs with probability <= alpha. We chose this over alpha spending (Lan–DeMets) because the
 * report is requested ad hoc, by people and dashboards, at times nobody plans: alpha spending
 * needs the look schedule and the maximum sample size fixed in advance, a CS needs neither.
 *
 * All sequences here are mixture martingales bounded with Ville's inequality
 * (P(sup_n M_n >= 1/alpha) <= alpha for a nonnegative martingale with M_0 = 1):
 *
 * 1. Rates (error rate, agreement, share of latencies under a limit, quantiles): the exact
 *    beta-binomial mixture. For Bernoulli data and a Beta(a, b) mixing distribution,
 *    M_n(p) = B(a + x, b + n - x) / B(a, b) / (p^x (1 - p)^(n - x)) is a martingale at the
 *    true p (H. Robbins, "Statistical methods related to the law of the iterated logarithm",
 *    Ann. Math. Stat. 41, 1970; S. R. Howard, A. Ramdas, J. McAuliffe & J. Sekhon,
 *    "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Stat. 49(2), 2021).
 *    The CS {p : M_n(p) < 1/alpha} is exact at every n — no normal approximation, so it is sound
 *    for error rates near 0 and the 1% tail behind a p99. Quantile sequences follow by applying
 *    it to the count of observations below the quantile (the order-statistic construction of
 *    S. R. Howard & A. Ramdas, "Sequential estimation of quantiles with applications to
 *    A/B-testing and best-arm identification", Bernoulli 28(3), 2022).
 * 2. Differences between two groups (conversion of canary vs production; candidate vs noise
 *    baseline disagreement): Robbins' normal mixture on the difference estimate with its
 *    plug-in variance, in the form Johari et al. use for A/B tests. This is an asymptotic CS
 *    (I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy & A. Ramdas, "Time-uniform central
 *    limit theory and asymptotic confidence sequences", Ann. Stat., 2024): valid as the
 *    counts grow, which the simulation test checks at the sizes a verdict uses.
 *
 * Tuning: a mixture's width is smallest near one sample size. We tune both kinds for the
 * planned sample size N* (the guardrails' `minSampleSize` by default) with the mixing variance
 * tau^2 = V(N*) * (-2 ln alpha + ln(1 - 2 ln alpha)), V(N*) the estimate's variance at N*
 * (the tuning rule of Waudby-Smith et al. 2024); validity does not depend on it, only width does.
 * For rates the Beta mixture is centred on the guardrail's threshold, where decisions are made.
 */
import { logBeta } from './distributions';
import { checkAlpha, type Interval } from './interval';

// Bound once: these run in hot loops, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { abs, ceil, floor, log, log1p, max, min, sqrt } = Math;

export interface SequentialDesign {
  /** Probability that the sequence ever excludes the truth, over all sample sizes. */
  readonly alpha: number;
  /** Sample size the boundaries are tuned for (tightest there, valid everywhere). */
  readonly plannedSampleSize: number;
}

/** Mixing-variance-to-estimate-variance ratio at the planned size: -2 ln a + ln(1 - 2 ln a). */
export function mixtureTuning(alpha: number): number {
  checkAlpha(alpha);
  const l = -2 * log(alpha);
  return l + log(1 + l);
}

/** A Beta(a, b) mixing distribution for Bernoulli rates. */
export interface BetaMixture {
  readonly a: number;
  readonly b: number;
}

/**
 * Beta mixing distribution centred on `center` (a guardrail threshold) whose variance is the
 * tuned tau^2 = c * center * (1 - center) / N*, i.e. Beta(m k, (1 - m) k) with k + 1 = N* / c.
 */
export function betaMixture(center: number, design: SequentialDesign): BetaMixture {
  const k = max(2, design.plannedSampleSize / mixtureTuning(design.alpha) - 1);
  const m = min(1 - 0.5 / k, max(0.5 / k, center));
  return { a: m * k, b: (1 - m) * k };
}

/** ln M_n(p): the beta-binomial mixture likelihood ratio against rate p (x may be fractional). */
export function logMixtureRatio(successes: number, trials: number, p: number, mixture: BetaMixture): number {
  const failures = trials - successes;
  if ((p <= 0 && successes > 0) || (p >= 1 && failures > 0)) return Number.POSITIVE_INFINITY;
  const logLikelihood = (successes > 0 ? successes * log(p) : 0) + (failures > 0 ? failures * log1p(-p) : 0);
  return logBeta(mixture.a + successes, mixture.b + failures) - logBeta(mixture.a, mixture.b) - logLikelihood;
}

/**
 * Confidence sequence for a Bernoulli rate from x successes in n trials: every p with
 * M_n(p) < 1/alpha. M_n is log-convex in p with its minimum (<= 1) at x/n, so the set is an
 * interval found by bisection on each side.
 */
export function rateConfidenceSequence(
  successes: number,
  trials: number,
  mixture: BetaMixture,
  alpha: number,
): Interval {
  checkAlpha(alpha);
  if (trials <= 0) return { estimate: null, lower: 0, upper: 1 };
  const estimate = successes / trials;
  const bound = log(1 / alpha);
  const outside = (p: number) => logMixtureRatio(successes, trials, p, mixture) >= bound;
  const lower = successes === 0 ? 0 : bisect(0, estimate, (p) => !outside(p));
  const upper = successes === trials ? 1 : bisect(1, estimate, (p) => !outside(p));
  return { estimate, lower, upper };
}

/**
 * Moves from `out` (a point outside the set) towards `inside` and returns the boundary point on
 * the inside, to ~1e-12.
 */
function bisect(out: number, inside: number, isInside: (p: number) => boolean): number {
  let o = out;
  let i = inside;
  for (let step = 0; step < 100 && abs(o - i) > 1e-12; step++) {
    const mid = (o + i) / 2;
    if (isInside(mid)) i = mid;
    else o = mid;
  }
  return i;
}

/**
 * The counts k of observations at or below the true p-quantile that the sequence still allows
 * after n observations: [low, high] with M_n(k; p) < 1/alpha (an integer interval, the ratio
 * being log-convex in k).
 */
export function allowedCounts(
  trials: number,
  p: number,
  mixture: BetaMixture,
  alpha: number,
): { readonly low: number; readonly high: number } {
  checkAlpha(alpha);
  if (trials <= 0) return { low: 0, high: 0 };
  const bound = log(1 / alpha);
  const g = (k: number) => logMixtureRatio(k, trials, p, mixture);
  // Integer minimiser of the convex g by binary search on its forward difference.
  let lo = 0;
  let hi = trials;
  while (lo < hi) {
    const mid = floor((lo + hi) / 2);
    if (g(mid + 1) < g(mid)) lo = mid + 1;
    else hi = mid;
  }
  const center = lo;
  if (g(center) >= bound) return { low: center, high: center };
  // Smallest allowed k in [0, center].
  let a = 0;
  let b = center;
  while (a < b) {
    const mid = floor((a + b) / 2);
    if (g(mid) < bound) b = mid;
    else a = mid + 1;
  }
  const low = a;
  // Largest allowed k in [center, n].
  a = center;
  b = trials;
  while (a < b) {
    const mid = ceil((a + b) / 2);
    if (g(mid) < bound) a = mid;
    else b = mid - 1;
  }
  return { low, high: a };
}

/**
 * Confidence sequence for the p-quantile of a continuous or discrete distribution from a sorted
 * sample: [X(low), X(high + 1)] for the allowed counts above. Either bound is `null` while the
 * sample is too small to give it. `estimate` is the nearest-rank sample quantile.
 */
export function quantileConfidenceSequence(
  sorted: ArrayLike<number>,
  p: number,
  mixture: BetaMixture,
  alpha: number,
): Interval {
  const n = sorted.length;
  if (n === 0) return { estimate: null, lower: null, upper: null };
  const { low, high } = allowedCounts(n, p, mixture, alpha);
  const rank = min(n, max(1, ceil(p * n)));
  return {
    estimate: sorted[rank - 1] ?? null,
    lower: low >= 1 ? (sorted[low - 1] ?? null) : null,
    upper: high + 1 <= n ? (sorted[high] ?? null) : null,
  };
}

/**
 * Half-width of the normal-mixture confidence sequence for an estimate with variance
 * `variance` after n observations: sqrt(V (1 + 1/r) ln((1 + r) / alpha^2)), r = tau^2 / V =
 * c * n / N* (the mSPRT boundary of Johari et al. 2022 on the estimate's scale; the ln(1 + r)
 * term is the price of looking at every n).
 */
export function normalMixtureHalfWidth(
  variance: number,
  observations: number,
  design: SequentialDesign,
): number {
  checkAlpha(design.alpha);
  if (observations <= 0) return Number.POSITIVE_INFINITY;
  const r = (mixtureTuning(design.alpha) * observations) / design.plannedSampleSize;
  return sqrt(variance * (1 + 1 / r) * log((1 + r) / (design.alpha * design.alpha)));
}

/**
 * Confidence sequence for a difference of two independent rates p1 - p2 (normal mixture, plug-in
 * variance). The variance uses Agresti–Caffo smoothed rates ((x + 1) / (n + 2)) so that a
 * group with no events yet does not claim zero variance.
 */
export function rateDifferenceConfidenceSequence(
  successes1: number,
  trials1: number,
  successes2: number,
  trials2: number,
  design: SequentialDesign,
): Interval & { readonly variance: number | null } {
  if (trials1 <= 0 || trials2 <= 0) return { estimate: null, lower: null, upper: null, variance: null };
  const estimate = successes1 / trials1 - successes2 / trials2;
  const variance = smoothedRateVariance(successes1, trials1) + smoothedRateVariance(successes2, trials2);
  const half = normalMixtureHalfWidth(variance, trials1 + trials2, design);
  return { estimate, lower: max(-1, estimate - half), upper: min(1, estimate + half), variance };
}

/** Variance of a rate estimate with Agresti–Caffo smoothing: p~(1 - p~) / n. */
export function smoothedRateVariance(successes: number, trials: number): number {
  const p = (successes + 1) / (trials + 2);
  return (p * (1 - p)) / trials;
}

/** Upper limit for sample-size projections: beyond it a guardrail is effectively undecidable. */
export const MAX_PROJECTED_SAMPLES = 100_000_000;

/**
 * Trials after which a rate's confidence sequence would exclude `threshold` if the observed
 * rate held — a planning estimate for "samples still needed". `null` when the observed rate is
 * (practically) the threshold or there is no data; 0 when already decided.
 */
export function trialsToExclude(
  successes: number,
  trials: number,
  threshold: number,
  mixture: BetaMixture,
  alpha: number,
): number | null {
  if (trials <= 0) return null;
  const rate = successes / trials;
  const bound = log(1 / alpha);
  const excluded = (n: number) => logMixtureRatio(rate * n, n, threshold, mixture) >= bound;
  return projectSampleSize(trials, excluded);
}

/**
 * Observations after which the normal-mixture sequence of an estimate would exclude
 * `threshold`, if the estimate held and its variance shrank as 1/n. Same conventions as
 * `trialsToExclude`.
 */
export function observationsToExclude(
  estimate: number,
  variance: number,
  observations: number,
  threshold: number,
  design: SequentialDesign,
): number | null {
  if (observations <= 0) return null;
  const gap = abs(estimate - threshold);
  const excluded = (n: number) => normalMixtureHalfWidth((variance * observations) / n, n, design) < gap;
  return projectSampleSize(observations, excluded);
}

/** Smallest n >= current with `decided(n)`, assuming it is monotone beyond the current size. */
export function projectSampleSize(current: number, decided: (n: number) => boolean): number | null {
  if (decided(current)) return current;
  let lo = current;
  let hi = max(current * 2, current + 10);
  while (!decided(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > MAX_PROJECTED_SAMPLES) return null;
  }
  while (hi - lo > 1) {
    const mid = floor((lo + hi) / 2);
    if (decided(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
