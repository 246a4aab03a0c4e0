/**
 * Latency quantiles from the 1 %-wide log buckets of the aggregates. A bucket's edges are known
 * exactly, so every bound below is conservative by at most one bucket (1 % of the value): a
 * lower bound uses a bucket's lower edge, an upper bound its upper edge.
 */
import { logEvidenceAbove, logEvidenceBelow } from '../stats/anytime';
import type { Interval } from '../stats/interval';
import { orderStatisticRanks } from '../stats/percentiles';
import type { BetaMixture } from '../stats/sequential';
import { LATENCY_BUCKET_RATIO, type LatencyBuckets, latencyBucketLowerMs } from './aggregates';

const { ceil, log, max, min, sqrt } = Math;

export const bucketLower = latencyBucketLowerMs;
export const bucketUpper = (bucket: number): number => latencyBucketLowerMs(bucket + 1);
/** A representative value: the bucket's geometric middle. */
export const bucketMiddle = (bucket: number): number =>
  latencyBucketLowerMs(bucket) * sqrt(LATENCY_BUCKET_RATIO);

export function totalCount(buckets: LatencyBuckets): number {
  let n = 0;
  for (const [, count] of buckets) n += count;
  return n;
}

/** The bucket holding the observation of 1-based rank `rank`. */
function bucketAtRank(buckets: LatencyBuckets, rank: number): number {
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) return bucket;
  }
  return (buckets[buckets.length - 1] as readonly [number, number])[0];
}

/** Nearest-rank p-quantile (Hyndman & Fan definition 1), as its bucket's middle. */
export function quantileEstimate(buckets: LatencyBuckets, p: number): number | null {
  const n = totalCount(buckets);
  if (n === 0) return null;
  return bucketMiddle(bucketAtRank(buckets, min(n, max(1, ceil(p * n)))));
}

/**
 * Fixed-sample, distribution-free interval for the p-quantile (order statistics; Conover 1999,
 * §3.2): the lower edge of the bucket holding rank l and the upper edge of the one holding u.
 */
export function quantileInterval(buckets: LatencyBuckets, p: number, alpha: number): Interval {
  const n = totalCount(buckets);
  if (n === 0) return { estimate: null, lower: null, upper: null };
  const { lowerRank, upperRank } = orderStatisticRanks(n, p, alpha);
  return {
    estimate: quantileEstimate(buckets, p),
    lower: lowerRank === null ? null : bucketLower(bucketAtRank(buckets, lowerRank)),
    upper: upperRank === null ? null : bucketUpper(bucketAtRank(buckets, upperRank)),
  };
}

/**
 * Observations that may lie above `limit` (every bucket reaching past it) and those that surely
 * do (every bucket starting at or above it).
 */
export function countAbove(
  buckets: LatencyBuckets,
  limit: number,
): { readonly possibly: number; readonly surely: number } {
  let possibly = 0;
  let surely = 0;
  for (const [bucket, count] of buckets) {
    if (bucketUpper(bucket) > limit) possibly += count;
    if (bucketLower(bucket) >= limit) surely += count;
  }
  return { possibly, surely };
}

/**
 * Anytime-valid one-sided bounds of the p-quantile: "quantile <= e" is "share above e <= 1 - p",
 * tested with the exact one-sided beta-binomial mixtures on the count above each bucket edge
 * (the order-statistic construction of S. R. Howard & A. Ramdas, "Sequential estimation of
 * quantiles with applications to A/B-testing and best-arm identification", Bernoulli 28(3), 2022).
 * `upper` is the smallest edge shown to hold the quantile below it at `alphaUpper`; `lower` the
 * largest edge shown to lie below the quantile at `alphaLower`; `null` while none is.
 */
export function quantileBounds(
  buckets: LatencyBuckets,
  p: number,
  mixture: BetaMixture,
  alphaLower: number,
  alphaUpper: number,
): Interval {
  const n = totalCount(buckets);
  if (n === 0) return { estimate: null, lower: null, upper: null };
  const tail = 1 - p;
  const boundUpper = log(1 / alphaUpper);
  const boundLower = log(1 / alphaLower);
  // Counts at or above each bucket, from the top.
  const above = new Array<number>(buckets.length);
  let running = 0;
  for (let i = buckets.length - 1; i >= 0; i--) {
    running += (buckets[i] as readonly [number, number])[1];
    above[i] = running;
  }
  const strictlyAbove = (i: number) => (i + 1 < buckets.length ? (above[i + 1] as number) : 0);
  // Upper: smallest i whose upper edge has few enough observations beyond it (monotone in i).
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (logEvidenceBelow(strictlyAbove(mid), n, tail, mixture) >= boundUpper) hi = mid;
    else lo = mid + 1;
  }
  const upper = lo < buckets.length ? bucketUpper((buckets[lo] as readonly [number, number])[0]) : null;
  // Lower: largest i whose lower edge has too many observations at or above it.
  lo = -1;
  hi = buckets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (logEvidenceAbove(above[mid] as number, n, tail, mixture) >= boundLower) lo = mid;
    else hi = mid - 1;
  }
  const lower = lo >= 0 ? bucketLower((buckets[lo] as readonly [number, number])[0]) : null;
  return { estimate: quantileEstimate(buckets, p), lower, upper };
}

/** Smallest and largest observed values, as bucket edges. */
export function observedRange(buckets: LatencyBuckets): { min: number | null; max: number | null } {
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  return {
    min: first === undefined ? null : bucketLower(first[0]),
    max: last === undefined ? null : bucketUpper(last[0]),
  };
}
