import { normalCdf, normalQuantile } from './distributions';
import { checkAlpha, type Interval, NO_ESTIMATE } from './interval';

// Bound once: these run in hot loops, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { abs, ceil, max, min, sqrt } = Math;

/** A count of successes out of trials, with its rate and a Wilson interval. */
export interface Proportion extends Interval {
  readonly successes: number;
  readonly trials: number;
}

/**
 * Wilson score interval (E. B. Wilson, JASA 22, 1927): inverts the score test, so unlike the
 * Wald interval it keeps close to its nominal coverage for small n and rates near 0 or 1 —
 * exactly where error rates live. Recommended by Brown, Cai & DasGupta, "Interval estimation
 * for a binomial proportion" (Statistical Science 16(2), 2001).
 */
export function wilsonInterval(successes: number, trials: number, alpha = 0.05): Proportion {
  checkAlpha(alpha);
  if (trials <= 0) return { successes, trials, ...NO_ESTIMATE };
  const z = normalQuantile(1 - alpha / 2);
  const z2 = z * z;
  const p = successes / trials;
  const center = (successes + z2 / 2) / (trials + z2);
  const half = (z / (trials + z2)) * sqrt((successes * (trials - successes)) / trials + z2 / 4);
  return {
    successes,
    trials,
    estimate: p,
    lower: max(0, center - half),
    upper: min(1, center + half),
  };
}

export interface TwoProportionComparison {
  /** `p1 - p2`, with the Newcombe interval. */
  readonly difference: Interval;
  /** Pooled two-proportion z statistic for H0: p1 = p2 (`null` when undefined). */
  readonly z: number | null;
  /** Two-sided p-value of that test. */
  readonly pValue: number | null;
}

/**
 * Compares two independent proportions: the classic pooled z-test for equality and, for the
 * difference, Newcombe's hybrid score interval (method 10 in R. G. Newcombe, "Interval
 * estimation for the difference between independent proportions", Statistics in Medicine 17,
 * 1998), built from the two Wilson intervals; it behaves well where the Wald difference
 * interval undercovers (small counts, rates near 0).
 */
export function compareProportions(
  successes1: number,
  trials1: number,
  successes2: number,
  trials2: number,
  alpha = 0.05,
): TwoProportionComparison {
  checkAlpha(alpha);
  if (trials1 <= 0 || trials2 <= 0) return { difference: NO_ESTIMATE, z: null, pValue: null };
  const p1 = successes1 / trials1;
  const p2 = successes2 / trials2;
  const w1 = wilsonInterval(successes1, trials1, alpha);
  const w2 = wilsonInterval(successes2, trials2, alpha);
  const [l1, u1, l2, u2] = [w1.lower ?? 0, w1.upper ?? 1, w2.lower ?? 0, w2.upper ?? 1];
  const d = p1 - p2;
  const difference = {
    estimate: d,
    lower: d - sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
    upper: d + sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
  };
  const pooled = (successes1 + successes2) / (trials1 + trials2);
  const se = sqrt(pooled * (1 - pooled) * (1 / trials1 + 1 / trials2));
  if (se === 0) return { difference, z: null, pValue: null };
  const z = d / se;
  return { difference, z, pValue: 2 * normalCdf(-abs(z)) };
}

/**
 * Samples needed to show a proportion differs from `p0` when it truly is `p1`, one-sided at
 * `alpha` with the given power (normal approximation; Fleiss, Levin & Paik, "Statistical
 * Methods for Rates and Proportions", 3rd ed., 2003).
 */
export function sampleSizeOneProportion(p0: number, p1: number, alpha = 0.05, power = 0.8): number {
  checkAlpha(alpha);
  if (p0 === p1) return Number.POSITIVE_INFINITY;
  const za = normalQuantile(1 - alpha);
  const zb = normalQuantile(power);
  const n = (za * sqrt(p0 * (1 - p0)) + zb * sqrt(p1 * (1 - p1))) ** 2 / (p1 - p0) ** 2;
  return ceil(n);
}

/**
 * Samples needed per group to detect `p1` vs `p2` with a two-sided test at `alpha` and the
 * given power, equal groups, no continuity correction (Fleiss, Levin & Paik 2003, ch. 4).
 */
export function sampleSizeTwoProportions(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
  checkAlpha(alpha);
  if (p1 === p2) return Number.POSITIVE_INFINITY;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const mean = (p1 + p2) / 2;
  const n =
    (za * sqrt(2 * mean * (1 - mean)) + zb * sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2;
  return ceil(n);
}
