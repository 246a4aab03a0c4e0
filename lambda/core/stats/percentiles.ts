import { binomialCdf } from './distributions';
import { checkAlpha, type Interval, NO_ESTIMATE } from './interval';

// Bound once: these run in hot loops, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { ceil, floor, max, min } = Math;
const finite = Number.isFinite;

/**
 * Sorts a sample ascending into a typed array (numeric sort, fast enough to do per report).
 * Non-finite values are dropped: a latency of NaN is a bug upstream, not a data point.
 */
export function sortedSample(values: ArrayLike<number>): Float64Array {
  const sorted = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (finite(v)) sorted[n++] = v;
  }
  return sorted.subarray(0, n).sort();
}

/**
 * The p-th percentile by the nearest-rank definition: the smallest observation with at least
 * a share p of the sample at or below it, X(⌈p·n⌉) (Hyndman & Fan, "Sample quantiles in
 * statistical packages", Am. Stat. 50(4), 1996, definition 1 — the inverse of the empirical
 * CDF). Chosen because it is always a latency that actually happened, and because it is the
 * definition under which the order-statistic interval below is exact.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  checkLevel(p);
  const n = sorted.length;
  if (n === 0) return null;
  const rank = min(n, max(1, ceil(p * n)));
  return sorted[rank - 1] ?? null;
}

/**
 * Distribution-free interval for the p-th quantile from order statistics: [X(l), X(u)] with
 * P(l <= K <= u - 1) >= 1 - alpha for K ~ Binomial(n, p), the count of observations below the
 * true quantile (e.g. Conover, "Practical Nonparametric Statistics", 3rd ed., 1999, §3.2;
 * Hahn & Meeker, "Statistical Intervals", 1991). Each tail gets alpha/2. A bound the sample is
 * too small to give is `null` (e.g. the p99's upper bound needs n >= 368 at 95%: 0.99^n <= 0.025).
 */
export function percentileInterval(sorted: ArrayLike<number>, p: number, alpha = 0.05): Interval {
  checkLevel(p);
  checkAlpha(alpha);
  const n = sorted.length;
  if (n === 0) return NO_ESTIMATE;
  const { lowerRank, upperRank } = orderStatisticRanks(n, p, alpha);
  return {
    estimate: percentile(sorted, p),
    lower: lowerRank === null ? null : (sorted[lowerRank - 1] ?? null),
    upper: upperRank === null ? null : (sorted[upperRank - 1] ?? null),
  };
}

/**
 * The ranks l, u (1-based) of the order-statistic interval: l is the largest rank with
 * P(K <= l - 1) <= alpha/2, u the smallest with P(K >= u) <= alpha/2; `null` when none exists.
 */
export function orderStatisticRanks(
  n: number,
  p: number,
  alpha: number,
): { readonly lowerRank: number | null; readonly upperRank: number | null } {
  const tail = alpha / 2;
  // Largest l in [1, n] with binomialCdf(l - 1) <= tail; the CDF is increasing in l.
  let lowerRank: number | null = null;
  if (binomialCdf(0, n, p) <= tail) {
    let lo = 1;
    let hi = n;
    while (lo < hi) {
      const mid = ceil((lo + hi) / 2);
      if (binomialCdf(mid - 1, n, p) <= tail) lo = mid;
      else hi = mid - 1;
    }
    lowerRank = lo;
  }
  // Smallest u in [1, n] with 1 - binomialCdf(u - 1) <= tail.
  let upperRank: number | null = null;
  if (1 - binomialCdf(n - 1, n, p) <= tail) {
    let lo = 1;
    let hi = n;
    while (lo < hi) {
      const mid = floor((lo + hi) / 2);
      if (1 - binomialCdf(mid - 1, n, p) <= tail) hi = mid;
      else lo = mid + 1;
    }
    upperRank = lo;
  }
  return { lowerRank, upperRank };
}

function checkLevel(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile level must be in [0, 1], got ${p}`);
}
