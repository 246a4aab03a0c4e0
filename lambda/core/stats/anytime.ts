/**
 * One-sided anytime-valid tests: the decisions behind the verdict. Each test is a nonnegative
 * supermartingale under its null hypothesis, so by Ville's inequality it ever crosses 1/alpha
 * with probability <= alpha, however often it is looked at (H. Robbins, "Statistical methods
 * related to the law of the iterated logarithm", Ann. Math. Stat. 41(5), 1970; S. R. Howard,
 * A. Ramdas, J. McAuliffe & J. Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence
 * sequences", Ann. Stat. 49(2), 2021).
 *
 * A guardrail decision is one-sided ("the error rate is below 1 %" or "above 1 %"), so each
 * direction has its own test, mixing only over alternatives on its side. That spends the whole
 * alpha where the decision is made, instead of half of it on a side no decision uses.
 *
 * 1. Rates (errors, agreement, the tail share behind a p99): the beta-binomial mixture truncated
 *    to one side of the threshold. Exact at every sample size: no normal approximation, valid
 *    from the first observation and for rates near 0.
 * 2. Differences of estimates (conversion and accuracy per user, paired accuracy): the one-sided
 *    normal mixture of Howard et al. (2021, §3.5) on the estimate with its plug-in variance —
 *    asymptotically valid (I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy & A. Ramdas,
 *    "Time-uniform central limit theory and asymptotic confidence sequences", Ann. Stat. 2024),
 *    so it is only used once each group holds enough events (see `report/checks.ts`).
 */
import { logBeta, normalCdf, normalQuantile, regularizedBeta } from './distributions';
import { checkAlpha } from './interval';
import type { BetaMixture } from './sequential';

// Bound once: these run in hot loops, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { abs, log, log1p, max, min, sqrt } = Math;
const NEG_INF = Number.NEGATIVE_INFINITY;
const POS_INF = Number.POSITIVE_INFINITY;

function logLikelihood(successes: number, trials: number, p: number): number {
  const failures = trials - successes;
  if ((p <= 0 && successes > 0) || (p >= 1 && failures > 0)) return NEG_INF;
  return (successes > 0 ? successes * log(p) : 0) + (failures > 0 ? failures * log1p(-p) : 0);
}

/** ln P(Beta(a, b) < t), accurate in both tails. */
function logBetaMassBelow(t: number, a: number, b: number): number {
  if (t <= 0) return NEG_INF;
  if (t >= 1) return 0;
  const below = regularizedBeta(t, a, b);
  if (below < 0.5) return below > 0 ? log(below) : NEG_INF;
  return log1p(-regularizedBeta(1 - t, b, a));
}

function logBetaMassAbove(t: number, a: number, b: number): number {
  return logBetaMassBelow(1 - t, b, a);
}

/**
 * ln of the evidence that a rate is ABOVE `threshold`: the beta mixture over rates above it
 * against the likelihood at the threshold. A supermartingale for every true rate <= threshold.
 */
export function logEvidenceAbove(
  successes: number,
  trials: number,
  threshold: number,
  mixture: BetaMixture,
): number {
  if (trials <= 0 || threshold >= 1) return trials <= 0 ? 0 : NEG_INF;
  if (threshold <= 0) return successes > 0 ? POS_INF : 0;
  const { a, b } = mixture;
  const failures = trials - successes;
  const posterior = logBetaMassAbove(threshold, a + successes, b + failures);
  const prior = logBetaMassAbove(threshold, a, b);
  return (
    logBeta(a + successes, b + failures) +
    posterior -
    logBeta(a, b) -
    prior -
    logLikelihood(successes, trials, threshold)
  );
}

/** ln of the evidence that a rate is BELOW `threshold` (the mirror image). */
export function logEvidenceBelow(
  successes: number,
  trials: number,
  threshold: number,
  mixture: BetaMixture,
): number {
  return logEvidenceAbove(trials - successes, trials, 1 - threshold, { a: mixture.b, b: mixture.a });
}

/**
 * One-sided bounds of a rate at level 1 - alpha each: `upper` is the smallest threshold the
 * below-test rejects, `lower` the largest the above-test rejects (bisection; the evidence is
 * monotone in the threshold). Used for display and for combining rates; decisions test the
 * guardrail's threshold directly.
 */
export function rateBounds(
  successes: number,
  trials: number,
  mixture: BetaMixture,
  alphaLower: number,
  alphaUpper: number,
): { readonly lower: number; readonly upper: number } {
  checkAlpha(alphaLower);
  checkAlpha(alphaUpper);
  if (trials <= 0) return { lower: 0, upper: 1 };
  const estimate = successes / trials;
  const boundUpper = log(1 / alphaUpper);
  const boundLower = log(1 / alphaLower);
  // Smallest t with evidence(below t) >= bound: between the estimate and 1.
  let lo = estimate;
  let hi = 1;
  if (successes === trials) lo = 1;
  for (let i = 0; i < 60 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (logEvidenceBelow(successes, trials, mid, mixture) >= boundUpper) hi = mid;
    else lo = mid;
  }
  const upper = hi;
  lo = 0;
  hi = estimate;
  if (successes === 0) hi = 0;
  for (let i = 0; i < 60 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (logEvidenceAbove(successes, trials, mid, mixture) >= boundLower) lo = mid;
    else hi = mid;
  }
  return { lower: lo, upper };
}

/**
 * The z a one-sided normal mixture must reach: solves z^2/2 + ln Phi(z) = ln(1/alpha) - ln 2 +
 * ln(1 + r)/2, where r = v/rho is the intrinsic time over the mixing precision (Howard et al.
 * 2021, eq. (14) with a half-normal mixing distribution).
 */
export function oneSidedNormalMixtureZ(r: number, alpha: number): number {
  checkAlpha(alpha);
  const target = log(1 / alpha) - log(2) + 0.5 * log1p(r);
  const f = (z: number) => (z * z) / 2 + log(max(normalCdf(z), 1e-300));
  let lo = 0;
  let hi = 4;
  while (f(hi) < target) hi *= 2;
  if (f(lo) >= target) return 0;
  for (let i = 0; i < 80 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Half-width of the one-sided normal-mixture sequence for an estimate with (plug-in) variance
 * `variance`, tuned so the boundary is tightest when the estimate's variance is
 * `plannedVariance`: z(r) * sqrt(V (1 + 1/r)) with r = c * plannedVariance / V.
 */
export function oneSidedHalfWidth(variance: number, plannedVariance: number, alpha: number): number {
  if (!(variance > 0)) return variance === 0 ? 0 : POS_INF;
  const r = (mixtureTuningOneSided(alpha) * plannedVariance) / variance;
  return oneSidedNormalMixtureZ(r, alpha) * sqrt(variance * (1 + 1 / r));
}

/**
 * Half-width of a one-sided boundary monitored up to a planned horizon, at information fraction
 * `fraction` (the share of the planned sample seen, in (0, 1]): c * sqrt(V / fraction), with
 * c = Phi^-1(1 - alpha / 2). On the information scale the estimate's standardized sum is
 * (asymptotically) a Brownian motion W, the boundary is W(fraction) >= c, and
 * P(W crosses c before fraction 1) = 2 (1 - Phi(c)) = alpha (the reflection principle; the
 * continuous-monitoring limit of O'Brien & Fleming's group-sequential boundary: P. C. O'Brien &
 * T. R. Fleming, Biometrics 35, 1979; K. K. G. Lan & D. L. DeMets, Biometrika 70, 1983). Valid
 * however often it is read, up to the horizon only: past it (fraction > 1) it is infinite.
 */
export function horizonHalfWidth(variance: number, fraction: number, alpha: number): number {
  checkAlpha(alpha);
  if (!(fraction > 0) || fraction > 1) return POS_INF;
  if (!(variance > 0)) return variance === 0 ? 0 : POS_INF;
  return normalQuantile(1 - alpha / 2) * sqrt(variance / fraction);
}

/** Mixing tuning for a one-sided boundary (the two-sided rule of Waudby-Smith et al. at 2 alpha). */
export function mixtureTuningOneSided(alpha: number): number {
  const l = -2 * log(min(0.5, 2 * alpha));
  return l + log1p(l);
}

/** Observations-free projection helper: how far (in standard errors) an estimate is from a threshold. */
export function standardErrorsFrom(estimate: number, variance: number, threshold: number): number {
  return variance > 0 ? abs(estimate - threshold) / sqrt(variance) : POS_INF;
}

/**
 * Mean of a paired difference X in {-1, 0, +1} (e.g. +1 = only production right, -1 = only the
 * candidate right, 0 = both or neither), from its counts. "E X <= m" is tested with one exact
 * test instead of two binomial bounds joined by a union bound: for each bet lambda in
 * [0, 1/(1+m)), prod (1 + lambda (X_i - m)) is a nonnegative supermartingale whenever E X <= m,
 * and so is any fixed average of them (I. Waudby-Smith & A. Ramdas, "Estimating means of bounded
 * random variables by betting", JRSS-B 86(1), 2024: a mixture of constant bets, whose value
 * depends only on the counts). Exact at every sample size: no normal approximation.
 */
export interface TernaryCounts {
  /** Observations at +1, at -1 and at 0. */
  readonly plus: number;
  readonly minus: number;
  readonly zero: number;
}

/**
 * The bets, as fractions of the largest one (1/(1+m)), and their prior log-weights: a
 * half-normal discretised finely (the spacing is far below the width of the likelihood in
 * lambda at the sizes a verdict uses).
 */
export interface BetMixture {
  readonly fractions: readonly number[];
  readonly logWeights: readonly number[];
}

const BET_GRID = 96;

/**
 * Bets tuned like the beta mixtures: the Kelly bet on an effect of the margin's size is about
 * drift / variance, with a variance of the order of the margin (the discordant share), and the
 * half-normal's scale makes the planned size the one where it is tightest.
 */
export function betMixture(margin: number, plannedSampleSize: number, alpha: number): BetMixture {
  const c = mixtureTuningOneSided(alpha);
  const scale = min(1, 2 * sqrt(c / (plannedSampleSize * max(margin, 1e-6))));
  const fractions: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < BET_GRID; i++) {
    const f = (i + 0.5) / BET_GRID;
    fractions.push(f * 0.999);
    raw.push((-f * f) / (2 * scale * scale));
  }
  const top = max(...raw);
  const total = raw.reduce((s, v) => s + Math.exp(v - top), 0);
  return { fractions, logWeights: raw.map((v) => v - top - log(total)) };
}

/** ln of the evidence that E X > m (a supermartingale for every distribution with E X <= m). */
export function logEvidenceMeanAbove(counts: TernaryCounts, m: number, bets: BetMixture): number {
  if (!(m > -1 && m < 1)) return m >= 1 ? NEG_INF : 0;
  const { plus, minus, zero } = counts;
  if (plus + minus + zero === 0) return 0;
  const maxBet = 1 / (1 + m);
  const { fractions, logWeights } = bets;
  const term = (i: number) => {
    const lambda = (fractions[i] as number) * maxBet;
    return (
      (logWeights[i] as number) +
      (plus > 0 ? plus * log1p(lambda * (1 - m)) : 0) +
      (minus > 0 ? minus * log1p(-lambda * (1 + m)) : 0) +
      (zero > 0 ? zero * log1p(-lambda * m) : 0)
    );
  };
  // Log-sum-exp in one pass (running maximum), without allocating: this runs at every look.
  let top = NEG_INF;
  let sum = 0;
  for (let i = 0; i < fractions.length; i++) {
    const v = term(i);
    if (v === NEG_INF) continue;
    if (v > top) {
      sum = sum * Math.exp(top - v) + 1;
      top = v;
    } else sum += Math.exp(v - top);
  }
  return top === NEG_INF ? NEG_INF : top + log(sum);
}

/** ln of the evidence that E X < m (the mirror image: X -> -X). */
export function logEvidenceMeanBelow(counts: TernaryCounts, m: number, bets: BetMixture): number {
  return logEvidenceMeanAbove({ plus: counts.minus, minus: counts.plus, zero: counts.zero }, -m, bets);
}

/**
 * One-sided bounds of E X at level 1 - alpha each (bisection on m; the evidence is monotone in
 * m): `upper` is the smallest m the below-test rejects, `lower` the largest the above-test does.
 */
export function meanBounds(
  counts: TernaryCounts,
  bets: BetMixture,
  alphaLower: number,
  alphaUpper: number,
): { readonly lower: number; readonly upper: number } {
  checkAlpha(alphaLower);
  checkAlpha(alphaUpper);
  const n = counts.plus + counts.minus + counts.zero;
  if (n === 0) return { lower: -1, upper: 1 };
  const estimate = (counts.plus - counts.minus) / n;
  const boundUpper = log(1 / alphaUpper);
  const boundLower = log(1 / alphaLower);
  let lo = estimate;
  let hi = 1;
  for (let i = 0; i < 40 && hi - lo > 1e-6; i++) {
    const mid = (lo + hi) / 2;
    if (logEvidenceMeanBelow(counts, mid, bets) >= boundUpper) hi = mid;
    else lo = mid;
  }
  const upper = hi;
  lo = -1;
  hi = estimate;
  for (let i = 0; i < 40 && hi - lo > 1e-6; i++) {
    const mid = (lo + hi) / 2;
    if (logEvidenceMeanAbove(counts, mid, bets) >= boundLower) lo = mid;
    else hi = mid;
  }
  return { lower: lo, upper };
}
