import { binomialCdf } from '../../../lambda/core/stats/distributions';
import {
  orderStatisticRanks,
  percentile,
  percentileInterval,
  sortedSample,
} from '../../../lambda/core/stats/percentiles';
import { mulberry32 } from '../../../lambda/core/stats/random';

describe('percentile (nearest rank)', () => {
  const sample = sortedSample([50, 15, 35, 20, 40]);

  it.each([
    [0.05, 15],
    [0.3, 20],
    [0.4, 20],
    [0.5, 35],
    [1, 50],
    [0, 15],
  ])('p = %d -> %d (the classic 5-value example)', (p, expected) => {
    expect(percentile(sample, p)).toBe(expected);
  });

  it('is always an observed value and null for an empty sample', () => {
    expect(percentile(sortedSample([]), 0.99)).toBeNull();
    expect(percentile(sortedSample([3, 1.5]), 0.99)).toBe(3);
  });

  it('sorts numerically and drops non-finite values', () => {
    expect([...sortedSample([10, 9, 100, Number.NaN, Number.POSITIVE_INFINITY, 2])]).toEqual([2, 9, 10, 100]);
  });
});

describe('order-statistic ranks', () => {
  it.each([
    [10, 0.5, 2, 9],
    [100, 0.5, 40, 61],
  ])('n = %d, median: (X(%d), X(%d)) at 95% — published tables', (n, p, lower, upper) => {
    expect(orderStatisticRanks(n, p, 0.05)).toEqual({ lowerRank: lower, upperRank: upper });
  });

  it('picks the tightest ranks with each tail at most alpha/2', () => {
    for (const [n, p] of [
      [50, 0.9],
      [500, 0.99],
      [1234, 0.5],
    ] as const) {
      const { lowerRank, upperRank } = orderStatisticRanks(n, p, 0.05);
      const l = lowerRank as number;
      const u = upperRank as number;
      expect(binomialCdf(l - 1, n, p)).toBeLessThanOrEqual(0.025);
      expect(binomialCdf(l, n, p)).toBeGreaterThan(0.025);
      expect(1 - binomialCdf(u - 1, n, p)).toBeLessThanOrEqual(0.025);
      expect(1 - binomialCdf(u - 2, n, p)).toBeGreaterThan(0.025);
    }
  });

  it('gives the p99 upper bound only from n = 368 (0.99^n <= 0.025)', () => {
    expect(orderStatisticRanks(367, 0.99, 0.05).upperRank).toBeNull();
    expect(orderStatisticRanks(368, 0.99, 0.05).upperRank).toBe(368);
  });
});

describe('percentileInterval', () => {
  it('uses the order statistics at those ranks', () => {
    const sample = sortedSample(Array.from({ length: 100 }, (_, i) => 100 - i)); // 1..100
    expect(percentileInterval(sample, 0.5, 0.05)).toEqual({ estimate: 50, lower: 40, upper: 61 });
  });

  it('covers the true p90 of an exponential at least 95% of the time (seeded Monte Carlo)', () => {
    const random = mulberry32(42);
    const trueP90 = -Math.log(0.1);
    const runs = 2000;
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      const sample = sortedSample(Array.from({ length: 150 }, () => -Math.log(1 - random())));
      const { lower, upper } = percentileInterval(sample, 0.9, 0.05);
      if ((lower ?? Number.NEGATIVE_INFINITY) <= trueP90 && trueP90 <= (upper ?? Number.POSITIVE_INFINITY))
        covered++;
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.94);
  });
});
