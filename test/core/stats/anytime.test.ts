import {
  horizonHalfWidth,
  logEvidenceAbove,
  logEvidenceBelow,
  oneSidedHalfWidth,
  oneSidedNormalMixtureZ,
  rateBounds,
} from '../../../lambda/core/stats/anytime';
import { logBeta, normalCdf } from '../../../lambda/core/stats/distributions';
import { mulberry32, standardNormal } from '../../../lambda/core/stats/random';
import { betaMixture } from '../../../lambda/core/stats/sequential';

const design = { alpha: 0.05, plannedSampleSize: 500 };

/** Simpson's rule on [a, b]. */
function integrate(f: (x: number) => number, a: number, b: number, steps = 20_000): number {
  const h = (b - a) / steps;
  let sum = f(a) + f(b);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 0 ? 2 : 4) * f(a + i * h);
  return (sum * h) / 3;
}

describe('one-sided beta-binomial mixtures', () => {
  it('equal the truncated mixture of likelihood ratios (numerical integration)', () => {
    const mixture = betaMixture(0.1, design);
    const [x, n, t] = [17, 120, 0.1];
    const prior = (p: number) =>
      Math.exp(
        (mixture.a - 1) * Math.log(p) + (mixture.b - 1) * Math.log1p(-p) - logBeta(mixture.a, mixture.b),
      );
    const ratio = (p: number) => Math.exp(x * Math.log(p / t) + (n - x) * Math.log((1 - p) / (1 - t)));
    const above = integrate((p) => prior(p) * ratio(p), t, 1 - 1e-12) / integrate(prior, t, 1 - 1e-12);
    const below = integrate((p) => prior(p) * ratio(p), 1e-12, t) / integrate(prior, 1e-12, t);
    expect(logEvidenceAbove(x, n, t, mixture)).toBeCloseTo(Math.log(above), 5);
    expect(logEvidenceBelow(x, n, t, mixture)).toBeCloseTo(Math.log(below), 5);
  });

  it('never cross 1/alpha more often than alpha under the boundary null, looking after every 10 trials', () => {
    // Arrange: the hardest null for each side is the threshold itself.
    const threshold = 0.02;
    const mixture = betaMixture(threshold, design);
    const alpha = 0.05;
    const random = mulberry32(11);
    let crossedAbove = 0;
    let crossedBelow = 0;
    const runs = 300;
    // Act
    for (let run = 0; run < runs; run++) {
      let events = 0;
      let above = false;
      let below = false;
      for (let n = 1; n <= 1500; n++) {
        if (random() < threshold) events++;
        if (n % 10 !== 0) continue;
        if (!above && logEvidenceAbove(events, n, threshold, mixture) >= Math.log(1 / alpha)) above = true;
        if (!below && logEvidenceBelow(events, n, threshold, mixture) >= Math.log(1 / alpha)) below = true;
      }
      if (above) crossedAbove++;
      if (below) crossedBelow++;
    }
    // Assert: at most alpha plus two binomial standard errors of the 300 runs.
    const bound = alpha + 2 * Math.sqrt((alpha * (1 - alpha)) / runs);
    expect(crossedAbove / runs).toBeLessThanOrEqual(bound);
    expect(crossedBelow / runs).toBeLessThanOrEqual(bound);
  });

  it('gather evidence on the right side only', () => {
    const mixture = betaMixture(0.01, design);
    expect(logEvidenceBelow(5, 2000, 0.01, mixture)).toBeGreaterThan(Math.log(20));
    expect(logEvidenceAbove(5, 2000, 0.01, mixture)).toBeLessThan(0);
    expect(logEvidenceAbove(60, 2000, 0.01, mixture)).toBeGreaterThan(Math.log(20));
    expect(logEvidenceBelow(60, 2000, 0.01, mixture)).toBeLessThan(0);
    // A rate of 0 can never be shown to be below 0; any event shows it is above.
    expect(logEvidenceAbove(1, 10, 0, mixture)).toBe(Number.POSITIVE_INFINITY);
  });

  it('give bounds inside [0, 1] around the estimate, tighter with more data', () => {
    const mixture = betaMixture(0.05, design);
    for (const [x, n] of [
      [0, 1],
      [1, 1],
      [3, 50],
      [50, 1000],
      [500, 10_000],
    ] as const) {
      const { lower, upper } = rateBounds(x, n, mixture, 0.01, 0.05);
      expect(lower).toBeGreaterThanOrEqual(0);
      expect(upper).toBeLessThanOrEqual(1);
      expect(lower).toBeLessThanOrEqual(x / n);
      expect(upper).toBeGreaterThanOrEqual(x / n);
    }
    const small = rateBounds(50, 1000, mixture, 0.05, 0.05);
    const large = rateBounds(500, 10_000, mixture, 0.05, 0.05);
    expect(large.upper - large.lower).toBeLessThan(small.upper - small.lower);
  });
});

describe('one-sided normal mixture', () => {
  it('solves the mixture boundary: 2 sqrt(1/(1+r)) e^(z^2/2) Phi(z) = 1/alpha', () => {
    for (const r of [0.5, 8, 100]) {
      const z = oneSidedNormalMixtureZ(r, 0.05);
      const martingale = 2 * Math.sqrt(1 / (1 + r)) * Math.exp((z * z) / 2) * normalCdf(z);
      expect(martingale).toBeCloseTo(20, 6);
    }
  });

  it('is wider than the fixed-sample one-sided bound and shrinks like 1/sqrt(n)', () => {
    const fixed = 1.6449 * Math.sqrt(0.01);
    expect(oneSidedHalfWidth(0.01, 0.01, 0.05)).toBeGreaterThan(fixed);
    const at1 = oneSidedHalfWidth(0.01, 0.001, 0.05);
    const at100 = oneSidedHalfWidth(0.0001, 0.001, 0.05);
    expect(at100).toBeLessThan(at1 / 5);
    expect(oneSidedHalfWidth(0, 0.001, 0.05)).toBe(0);
  });
});

describe('boundary spent by a planned horizon', () => {
  /**
   * Share of seeded random walks at the null (mean exactly on the threshold, unit variance) whose
   * estimate ever crosses the boundary, looked at after every one of `plan` observations.
   */
  function crossings(alpha: number, plan: number, runs: number, seed: number): number {
    const random = mulberry32(seed);
    let crossed = 0;
    for (let run = 0; run < runs; run++) {
      let sum = 0;
      for (let n = 1; n <= plan; n++) {
        sum += standardNormal(random);
        if (sum / n - horizonHalfWidth(1 / n, n / plan, alpha) > 0) {
          crossed++;
          break;
        }
      }
    }
    return crossed / runs;
  }

  it('errs at most alpha however often it is read up to the plan, and is not much tighter', () => {
    // Continuous monitoring errs exactly alpha (reflection principle); looking 400 times, a bit
    // less. A boundary at the one-shot z (Phi^-1(1 - alpha)) would err about twice as often.
    const rate = crossings(0.05, 400, 4000, 11);
    expect(rate).toBeLessThanOrEqual(0.05 + 2 * Math.sqrt((0.05 * 0.95) / 4000));
    expect(rate).toBeGreaterThan(0.03);
  });

  it('is the one-shot bound at the plan, wider before it, and not there past it', () => {
    const c = 2.2414; // Phi^-1(1 - 0.025 / 2)
    expect(horizonHalfWidth(0.04, 1, 0.025)).toBeCloseTo(c * 0.2, 3);
    expect(horizonHalfWidth(0.04, 0.25, 0.025)).toBeCloseTo(c * 0.4, 3);
    expect(horizonHalfWidth(0.04, 1.01, 0.025)).toBe(Number.POSITIVE_INFINITY);
    expect(horizonHalfWidth(0.04, 0, 0.025)).toBe(Number.POSITIVE_INFINITY);
    expect(horizonHalfWidth(0, 0.5, 0.025)).toBe(0);
  });
});
