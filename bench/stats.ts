/** Latency summary of one variant: nearest-rank percentiles, so every reported value was observed. */
export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest value with at least p% of the
 * samples at or below it. No interpolation, so p99 of 500 samples is the 495th value.
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) throw new RangeError('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.max(0, rank - 1)] as number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sum / sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

export type Quantile = 'p50' | 'p95' | 'p99';
export const QUANTILES: readonly Quantile[] = ['p50', 'p95', 'p99'];

/**
 * Ratio and difference of the same quantile of two variants. Requests are independent, so this
 * is a difference of percentiles, not a percentile of paired differences.
 */
export function compareAt(
  numerator: LatencySummary,
  denominator: LatencySummary,
  q: Quantile,
): { ratio: number; deltaMs: number } {
  return { ratio: numerator[q] / denominator[q], deltaMs: numerator[q] - denominator[q] };
}
