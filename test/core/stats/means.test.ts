import {
  geometricMeanRatio,
  meanAndVariance,
  meanDifference,
  sampleSizeTwoMeans,
} from '../../../lambda/core/stats/means';
import { logNormal, mulberry32, standardNormal } from '../../../lambda/core/stats/random';

describe('meanAndVariance', () => {
  it('matches the two-pass formulas', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(meanAndVariance(values)).toEqual({ mean: 5, variance: 32 / 7, n: 8 });
  });

  it('stays accurate with a large offset (where the naive sum of squares fails)', () => {
    const { variance } = meanAndVariance([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    expect(variance).toBeCloseTo(30, 6);
  });
});

describe('meanDifference (Welch)', () => {
  it('estimates mean(b) - mean(a) with Welch–Satterthwaite df (reference computed here)', () => {
    const a = [19.1, 20.3, 18.7, 21.0, 19.9, 20.5];
    const b = [22.4, 23.9, 21.5, 24.8, 22.0, 23.1, 25.2, 21.9];
    const sa = meanAndVariance(a);
    const sb = meanAndVariance(b);
    const se = Math.sqrt(sa.variance / a.length + sb.variance / b.length);
    const interval = meanDifference(a, b, 0.05);
    expect(interval.estimate).toBeCloseTo(sb.mean - sa.mean, 12);
    // df here is ≈ 11.9; t(0.975, 11.9) lies between the table values for 11 and 12 df.
    const half = ((interval.upper as number) - (interval.lower as number)) / 2;
    expect(half / se).toBeGreaterThan(2.1788); // t(0.975, 12)
    expect(half / se).toBeLessThan(2.201); // t(0.975, 11)
  });

  it('covers the true difference about 95% of the time with unequal variances (seeded)', () => {
    const random = mulberry32(3);
    const runs = 2000;
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      const a = Array.from({ length: 8 }, () => 10 + standardNormal(random));
      const b = Array.from({ length: 25 }, () => 12 + 4 * standardNormal(random));
      const { lower, upper } = meanDifference(a, b);
      if ((lower as number) <= 2 && 2 <= (upper as number)) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.935);
    expect(covered / runs).toBeLessThan(0.965);
  });

  it('has no interval below two samples per group', () => {
    expect(meanDifference([1], [2, 3])).toEqual({ estimate: 1.5, lower: null, upper: null });
    expect(meanDifference([], [2, 3])).toEqual({ estimate: null, lower: null, upper: null });
  });
});

describe('geometricMeanRatio', () => {
  it('recovers an exact multiplicative shift', () => {
    const a = [80, 95, 120, 150, 300];
    const interval = geometricMeanRatio(
      a,
      a.map((v) => v * 1.2),
    );
    expect(interval.estimate).toBeCloseTo(1.2, 12);
    expect(interval.lower as number).toBeLessThan(1.2);
    expect(interval.upper as number).toBeGreaterThan(1.2);
  });

  it('covers a log-normal scale shift (seeded)', () => {
    const random = mulberry32(11);
    let covered = 0;
    for (let run = 0; run < 500; run++) {
      const a = Array.from({ length: 200 }, () => logNormal(random, Math.log(100), 0.4));
      const b = Array.from({ length: 200 }, () => logNormal(random, Math.log(110), 0.4));
      const { lower, upper } = geometricMeanRatio(a, b);
      if ((lower as number) <= 1.1 && 1.1 <= (upper as number)) covered++;
    }
    expect(covered / 500).toBeGreaterThan(0.92);
  });
});

describe('sampleSizeTwoMeans', () => {
  it('a half-standard-deviation effect needs 63 per group (normal approximation)', () => {
    expect(sampleSizeTwoMeans(1, 0.5, 0.05, 0.8)).toBe(63);
    expect(sampleSizeTwoMeans(20, 10, 0.05, 0.8)).toBe(63);
  });
});
