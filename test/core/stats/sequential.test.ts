import { logBeta } from '../../../lambda/core/stats/distributions';
import { wilsonInterval } from '../../../lambda/core/stats/proportions';
import { bernoulli, mulberry32 } from '../../../lambda/core/stats/random';
import {
  allowedCounts,
  betaMixture,
  logMixtureRatio,
  mixtureTuning,
  normalMixtureHalfWidth,
  observationsToExclude,
  quantileConfidenceSequence,
  rateConfidenceSequence,
  rateDifferenceConfidenceSequence,
  trialsToExclude,
} from '../../../lambda/core/stats/sequential';

const design = { alpha: 0.05, plannedSampleSize: 500 };

describe('mixture tuning', () => {
  it('is -2 ln(alpha) + ln(1 - 2 ln(alpha)) (≈ 7.94 at alpha 0.05)', () => {
    expect(mixtureTuning(0.05)).toBeCloseTo(7.936, 3);
  });

  it('centres the Beta mixture on the threshold with variance c m (1 - m) / N*', () => {
    const { a, b } = betaMixture(0.2, design);
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(mean).toBeCloseTo(0.2, 12);
    expect(variance).toBeCloseTo((mixtureTuning(0.05) * 0.2 * 0.8) / 500, 12);
  });
});

describe('beta-binomial mixture ratio', () => {
  it('equals the mixture integral of likelihood ratios (Simpson integration here)', () => {
    const mixture = betaMixture(0.3, design);
    const [x, n, p0] = [23, 60, 0.25];
    const steps = 20_000;
    const integrand = (p: number) =>
      p <= 0 || p >= 1
        ? 0
        : Math.exp(
            (mixture.a - 1) * Math.log(p) +
              (mixture.b - 1) * Math.log(1 - p) -
              logBeta(mixture.a, mixture.b) +
              x * Math.log(p / p0) +
              (n - x) * Math.log((1 - p) / (1 - p0)),
          );
    let sum = 0;
    for (let i = 0; i <= steps; i++) {
      const weight = i === 0 || i === steps ? 1 : i % 2 === 0 ? 2 : 4;
      sum += weight * integrand(i / steps);
    }
    expect(Math.exp(logMixtureRatio(x, n, p0, mixture))).toBeCloseTo(sum / (3 * steps), 8);
  });

  it('excludes impossible rates outright', () => {
    const mixture = betaMixture(0.5, design);
    expect(logMixtureRatio(3, 10, 0, mixture)).toBe(Number.POSITIVE_INFINITY);
    expect(logMixtureRatio(3, 10, 1, mixture)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(logMixtureRatio(0, 10, 0, mixture))).toBe(true);
  });
});

describe('rateConfidenceSequence', () => {
  const mixture = betaMixture(0.01, design);

  it('has M = 1/alpha at both bounds and contains the estimate', () => {
    const { estimate, lower, upper } = rateConfidenceSequence(7, 1000, mixture, 0.05);
    expect(logMixtureRatio(7, 1000, lower as number, mixture)).toBeCloseTo(Math.log(20), 6);
    expect(logMixtureRatio(7, 1000, upper as number, mixture)).toBeCloseTo(Math.log(20), 6);
    expect(lower as number).toBeLessThan(estimate as number);
    expect(upper as number).toBeGreaterThan(estimate as number);
  });

  it('is wider than the fixed-sample Wilson interval (the price of peeking) but shrinks with n', () => {
    const widths = [500, 2000, 8000].map((n) => {
      const cs = rateConfidenceSequence(n * 0.01, n, mixture, 0.05);
      const wilson = wilsonInterval(n * 0.01, n, 0.05);
      const width = (cs.upper as number) - (cs.lower as number);
      expect(width).toBeGreaterThan((wilson.upper as number) - (wilson.lower as number));
      return width;
    });
    expect(widths[1]).toBeLessThan(widths[0] as number);
    expect(widths[2]).toBeLessThan(widths[1] as number);
  });

  it('handles no data, no events and all events', () => {
    expect(rateConfidenceSequence(0, 0, mixture, 0.05)).toEqual({ estimate: null, lower: 0, upper: 1 });
    expect(rateConfidenceSequence(0, 200, mixture, 0.05).lower).toBe(0);
    expect(rateConfidenceSequence(200, 200, mixture, 0.05).upper).toBe(1);
  });
});

/**
 * The property that matters: peeking after every sample, the sequence excludes the true rate at
 * some point in at most alpha of the runs — while a fixed-sample interval checked the same way
 * does so far more often.
 */
describe('time-uniform coverage under continuous peeking (seeded)', () => {
  const runs = 400;
  const horizon = 2000;

  it.each([
    [0.01, 0.01],
    [0.05, 0.05],
    [0.9, 0.95],
  ])('rate %d (mixture centred on %d): ever-excluded <= alpha; Wilson peeking > 2 alpha', (p, center) => {
    const mixture = betaMixture(center, design);
    const random = mulberry32(1000 + Math.round(p * 100));
    const bound = Math.log(1 / 0.05);
    let sequenceFailures = 0;
    let wilsonFailures = 0;
    for (let run = 0; run < runs; run++) {
      let x = 0;
      let sequenceFailed = false;
      let wilsonFailed = false;
      for (let n = 1; n <= horizon; n++) {
        if (bernoulli(random, p)) x++;
        if (!sequenceFailed && logMixtureRatio(x, n, p, mixture) >= bound) sequenceFailed = true;
        if (!wilsonFailed && n >= 30 && n % 10 === 0) {
          const w = wilsonInterval(x, n, 0.05);
          if ((w.lower as number) > p || (w.upper as number) < p) wilsonFailed = true;
        }
      }
      if (sequenceFailed) sequenceFailures++;
      if (wilsonFailed) wilsonFailures++;
    }
    expect(sequenceFailures / runs).toBeLessThanOrEqual(0.05);
    expect(wilsonFailures / runs).toBeGreaterThan(0.1);
  });
});

describe('quantile confidence sequence', () => {
  it('maps allowed counts to order statistics', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    const mixture = betaMixture(0.99, design);
    const { low, high } = allowedCounts(1000, 0.99, mixture, 0.05);
    expect(quantileConfidenceSequence(sorted, 0.99, mixture, 0.05)).toEqual({
      estimate: 990,
      lower: low,
      upper: high + 1,
    });
    expect(low).toBeLessThan(990);
    expect(high).toBeGreaterThan(990);
  });

  it('allowed counts are exactly those with M < 1/alpha', () => {
    const mixture = betaMixture(0.9, design);
    const { low, high } = allowedCounts(400, 0.9, mixture, 0.05);
    const bound = Math.log(20);
    expect(logMixtureRatio(low, 400, 0.9, mixture)).toBeLessThan(bound);
    expect(logMixtureRatio(low - 1, 400, 0.9, mixture)).toBeGreaterThanOrEqual(bound);
    expect(logMixtureRatio(high, 400, 0.9, mixture)).toBeLessThan(bound);
    expect(logMixtureRatio(high + 1, 400, 0.9, mixture)).toBeGreaterThanOrEqual(bound);
  });

  it('has no bounds the sample cannot give yet', () => {
    const mixture = betaMixture(0.99, design);
    const small = Float64Array.from([5, 6, 7]);
    expect(quantileConfidenceSequence(small, 0.99, mixture, 0.05).upper).toBeNull();
    expect(quantileConfidenceSequence(new Float64Array(0), 0.99, mixture, 0.05).estimate).toBeNull();
  });

  it('covers the true p90 of integer (tied) latencies at every checked size in >= 95% of runs', () => {
    // Latency = floor(10 * Exp(1)) ms: P(L <= k) = 1 - exp(-(k + 1) / 10), so q90 = ceil(10 ln 10) - 1.
    const trueQ90 = Math.ceil(10 * Math.log(10)) - 1;
    const mixture = betaMixture(0.9, design);
    const random = mulberry32(99);
    const checkpoints = [20, 50, 100, 200, 400, 800, 1600];
    const runs = 300;
    let failures = 0;
    for (let run = 0; run < runs; run++) {
      const draws = Array.from({ length: 1600 }, () => Math.floor(-10 * Math.log(1 - random())));
      const failed = checkpoints.some((n) => {
        const { lower, upper } = quantileConfidenceSequence(
          Float64Array.from(draws.slice(0, n)).sort(),
          0.9,
          mixture,
          0.05,
        );
        return (lower !== null && lower > trueQ90) || (upper !== null && upper < trueQ90);
      });
      if (failed) failures++;
    }
    expect(failures / runs).toBeLessThanOrEqual(0.05);
  });
});

describe('normal-mixture sequence for a difference of rates', () => {
  it('has the closed-form half-width sqrt(V (1 + 1/r) ln((1 + r)/alpha^2))', () => {
    const r = (mixtureTuning(0.05) * 500) / 500;
    expect(normalMixtureHalfWidth(1e-4, 500, design)).toBeCloseTo(
      Math.sqrt(1e-4 * (1 + 1 / r) * Math.log((1 + r) / 0.0025)),
      14,
    );
    expect(normalMixtureHalfWidth(1e-4, 0, design)).toBe(Number.POSITIVE_INFINITY);
  });

  it('is wider than the fixed-sample 1.96 SE but by a bounded factor at N*', () => {
    const ratio = normalMixtureHalfWidth(1, 500, design) / 1.959963984540054;
    expect(ratio).toBeGreaterThan(1.4);
    expect(ratio).toBeLessThan(1.7);
  });

  it('centres on p1 - p2 and smooths the variance of empty groups', () => {
    const cs = rateDifferenceConfidenceSequence(0, 100, 0, 100, design);
    expect(cs.estimate).toBe(0);
    expect(cs.variance as number).toBeGreaterThan(0);
    expect(rateDifferenceConfidenceSequence(1, 0, 1, 10, design).estimate).toBeNull();
  });

  it.each([
    [0.03, 0.02],
    [0.3, 0.3],
  ])('covers p1 - p2 (%d vs %d) at every peek in >= 95% of runs (seeded)', (p1, p2) => {
    const random = mulberry32(2024);
    const runs = 300;
    let failures = 0;
    for (let run = 0; run < runs; run++) {
      let [x1, x2] = [0, 0];
      for (let n = 1; n <= 3000; n++) {
        if (bernoulli(random, p1)) x1++;
        if (bernoulli(random, p2)) x2++;
        if (n % 25 !== 0) continue;
        const { lower, upper } = rateDifferenceConfidenceSequence(x1, n, x2, n, design);
        if ((lower as number) > p1 - p2 || (upper as number) < p1 - p2) {
          failures++;
          break;
        }
      }
    }
    expect(failures / runs).toBeLessThanOrEqual(0.05);
  });
});

describe('sample-size projections', () => {
  const mixture = betaMixture(0.01, design);

  it('trialsToExclude returns the first size at which the threshold would be excluded', () => {
    const n = trialsToExclude(1, 200, 0.01, mixture, 0.05) as number;
    const bound = Math.log(20);
    expect(n).toBeGreaterThan(200);
    expect(logMixtureRatio(n * 0.005, n, 0.01, mixture)).toBeGreaterThanOrEqual(bound);
    expect(logMixtureRatio((n - 1) * 0.005, n - 1, 0.01, mixture)).toBeLessThan(bound);
  });

  it('is the current size when already decided, null when undecidable', () => {
    expect(trialsToExclude(0, 5000, 0.01, mixture, 0.05)).toBe(5000);
    expect(trialsToExclude(10, 1000, 0.01, mixture, 0.05)).toBeNull();
    expect(trialsToExclude(0, 0, 0.01, mixture, 0.05)).toBeNull();
  });

  it('observationsToExclude finds where the half-width drops below the gap', () => {
    const [estimate, variance, n] = [0.01, 2e-5, 2000];
    const needed = observationsToExclude(estimate, variance, n, 0, design) as number;
    const half = (m: number) => normalMixtureHalfWidth((variance * n) / m, m, design);
    expect(half(needed)).toBeLessThan(0.01);
    expect(half(needed - 1)).toBeGreaterThanOrEqual(0.01);
  });
});
