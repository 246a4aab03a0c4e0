import { normalCdf, normalQuantile } from '../../../lambda/core/stats/distributions';
import {
  compareProportions,
  sampleSizeOneProportion,
  sampleSizeTwoProportions,
  wilsonInterval,
} from '../../../lambda/core/stats/proportions';
import { bernoulli, mulberry32 } from '../../../lambda/core/stats/random';

describe('wilsonInterval', () => {
  it('reproduces the textbook 81/263 example: [0.2553, 0.3662]', () => {
    const interval = wilsonInterval(81, 263, 0.05);
    expect(interval.estimate).toBeCloseTo(81 / 263, 12);
    expect(interval.lower).toBeCloseTo(0.2553, 4);
    expect(interval.upper).toBeCloseTo(0.3662, 4);
  });

  it('gives a non-degenerate interval for zero events (0/10 -> [0, 0.2775])', () => {
    const interval = wilsonInterval(0, 10);
    expect(interval.lower).toBe(0);
    expect(interval.upper).toBeCloseTo(0.2775, 4);
  });

  it('matches the score-test inversion computed independently', () => {
    // The Wilson bounds are the p where |x/n - p| = z sqrt(p(1-p)/n): solve the quadratic here.
    const [x, n, z] = [17, 40, normalQuantile(0.95)];
    const phat = x / n;
    const a = 1 + (z * z) / n;
    const b = -(2 * phat + (z * z) / n);
    const c = phat * phat;
    const disc = Math.sqrt(b * b - 4 * a * c);
    const interval = wilsonInterval(x, n, 0.1);
    expect(interval.lower).toBeCloseTo((-b - disc) / (2 * a), 12);
    expect(interval.upper).toBeCloseTo((-b + disc) / (2 * a), 12);
  });

  it('returns null bounds without trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({
      successes: 0,
      trials: 0,
      estimate: null,
      lower: null,
      upper: null,
    });
  });

  it('covers the true rate about 95% of the time (seeded Monte Carlo)', () => {
    const random = mulberry32(7);
    const [p, n, runs] = [0.03, 200, 4000];
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      let x = 0;
      for (let i = 0; i < n; i++) if (bernoulli(random, p)) x++;
      const { lower, upper } = wilsonInterval(x, n);
      if ((lower ?? 0) <= p && p <= (upper ?? 1)) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.93);
    expect(covered / runs).toBeLessThan(0.985);
  });
});

describe('compareProportions', () => {
  it("reproduces Newcombe's (1998) example 56/70 vs 48/80: difference 0.2, CI [0.0524, 0.3339]", () => {
    const { difference } = compareProportions(56, 70, 48, 80);
    expect(difference.estimate).toBeCloseTo(0.2, 12);
    expect(difference.lower).toBeCloseTo(0.0524, 4);
    expect(difference.upper).toBeCloseTo(0.3339, 4);
  });

  it('computes the pooled z-test (reference computed here)', () => {
    const [x1, n1, x2, n2] = [120, 1000, 90, 1000];
    const pooled = (x1 + x2) / (n1 + n2);
    const z = (x1 / n1 - x2 / n2) / Math.sqrt(pooled * (1 - pooled) * (2 / 1000));
    const result = compareProportions(x1, n1, x2, n2);
    expect(result.z).toBeCloseTo(z, 12);
    expect(result.pValue).toBeCloseTo(2 * (1 - normalCdf(z)), 12);
    expect(result.pValue).toBeGreaterThan(0.02);
    expect(result.pValue).toBeLessThan(0.04);
  });

  it('has no test statistic when both groups are all-or-nothing', () => {
    expect(compareProportions(0, 10, 0, 20)).toMatchObject({
      z: null,
      pValue: null,
      difference: { estimate: 0 },
    });
    expect(compareProportions(1, 0, 1, 2).difference.estimate).toBeNull();
  });
});

describe('sample sizes', () => {
  it('two proportions: 0.10 vs 0.15 needs 686 per group at alpha 0.05, power 0.8', () => {
    expect(sampleSizeTwoProportions(0.1, 0.15, 0.05, 0.8)).toBe(686);
    expect(sampleSizeTwoProportions(0.15, 0.1, 0.05, 0.8)).toBe(686);
  });

  it('one proportion: the size is the smallest with the requested power (power computed here)', () => {
    const [p0, p1, alpha] = [0.9, 0.95, 0.05];
    const za = normalQuantile(1 - alpha);
    const power = (n: number) =>
      normalCdf(
        (Math.abs(p1 - p0) * Math.sqrt(n) - za * Math.sqrt(p0 * (1 - p0))) / Math.sqrt(p1 * (1 - p1)),
      );
    const n = sampleSizeOneProportion(p0, p1, alpha, 0.8);
    expect(power(n)).toBeGreaterThanOrEqual(0.8);
    expect(power(n - 1)).toBeLessThan(0.8);
  });

  it('needs infinitely many samples to detect no difference', () => {
    expect(sampleSizeTwoProportions(0.2, 0.2)).toBe(Number.POSITIVE_INFINITY);
  });
});
