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
import { logBeta, normalCdf, regularizedBeta } from './distributions';
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

/** Mixing tuning for a one-sided boundary (the two-sided rule of Waudby-Smith et al. at 2 alpha). */
export function mixtureTuningOneSided(alpha: number): number {
  const l = -2 * log(min(0.5, 2 * alpha));
  return l + log1p(l);
}

/** Observations-free projection helper: how far (in standard errors) an estimate is from a threshold. */
export function standardErrorsFrom(estimate: number, variance: number, threshold: number): number {
  return variance > 0 ? abs(estimate - threshold) / sqrt(variance) : POS_INF;
}
