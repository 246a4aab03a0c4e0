import {
  binomialCdf,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  studentTCdf,
  studentTQuantile,
} from '../../../lambda/core/stats/distributions';

/** Independent reference: Simpson's rule on the normal density from -12 to x. */
function simpsonNormalCdf(x: number): number {
  const a = -12;
  const steps = 20_000;
  const h = (x - a) / steps;
  const f = (t: number) => Math.exp(-(t * t) / 2) / Math.sqrt(2 * Math.PI);
  let sum = f(a) + f(x);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 0 ? 2 : 4) * f(a + i * h);
  return (sum * h) / 3;
}

describe('logGamma', () => {
  it('matches ln((n-1)!) for integers', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 30; n++) {
      expect(logGamma(n)).toBeCloseTo(logFactorial, 10);
      logFactorial += Math.log(n);
    }
  });

  it.each([
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [1.5, Math.log(Math.sqrt(Math.PI) / 2)],
    [0.1, Math.log(9.513507698668732)],
    [100, 359.1342053695754],
  ])('logGamma(%d)', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 9);
  });
});

describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [1.96, 0.9750021048517795],
    [-3, 0.0013498980316300946],
    [-8, 6.22096057427178e-16],
    [40, 1],
  ])('Φ(%d) = %d (published value)', (x, expected) => {
    expect(normalCdf(x)).toBeCloseTo(expected, 14);
  });

  it.each([-4, -2.5, -1, -0.3, 0.7, 1.5, 3])('agrees with Simpson integration at %d', (x) => {
    expect(normalCdf(x)).toBeCloseTo(simpsonNormalCdf(x), 12);
  });
});

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.8, 0.8416212335729143],
    [0.95, 1.6448536269514722],
    [0.975, 1.959963984540054],
    [0.995, 2.5758293035489004],
    [0.001, -3.090232306167813],
  ])('Φ⁻¹(%d) = %d', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 12);
  });

  it('inverts normalCdf across the range', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.02425, 0.3, 0.7, 0.97575, 0.999, 1 - 1e-9]) {
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 9);
    }
  });

  it('rejects levels outside [0, 1] and gives infinities at the ends', () => {
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('regularizedBeta', () => {
  it.each([0.05, 0.3, 0.5, 0.77, 0.99])(
    'has the closed forms I_x(1,1)=x, I_x(a,1)=x^a, I_x(1,b)=1-(1-x)^b at %d',
    (x) => {
      expect(regularizedBeta(x, 1, 1)).toBeCloseTo(x, 13);
      expect(regularizedBeta(x, 3.5, 1)).toBeCloseTo(x ** 3.5, 13);
      expect(regularizedBeta(x, 1, 7)).toBeCloseTo(1 - (1 - x) ** 7, 13);
    },
  );

  it('is symmetric: I_x(a, b) = 1 - I_(1-x)(b, a)', () => {
    for (const [x, a, b] of [
      [0.2, 2.5, 9],
      [0.9, 40, 3],
      [0.5, 1000, 1000],
    ] as const) {
      expect(regularizedBeta(x, a, b)).toBeCloseTo(1 - regularizedBeta(1 - x, b, a), 12);
    }
  });
});

describe('binomialCdf', () => {
  /** Independent reference: direct summation of the pmf with exact binomial coefficients. */
  function directCdf(k: number, n: number, p: number): number {
    let sum = 0;
    let coefficient = 1;
    for (let i = 0; i <= k; i++) {
      sum += coefficient * p ** i * (1 - p) ** (n - i);
      coefficient = (coefficient * (n - i)) / (i + 1);
    }
    return sum;
  }

  it.each([
    [1, 10, 0.5],
    [5, 10, 0.5],
    [0, 20, 0.1],
    [3, 50, 0.02],
    [45, 60, 0.7],
    [59, 60, 0.99],
  ])('P(K <= %d) for Binomial(%d, %d) matches direct summation', (k, n, p) => {
    expect(binomialCdf(k, n, p)).toBeCloseTo(directCdf(k, n, p), 12);
  });

  it('matches the textbook values for n = 10, p = 1/2', () => {
    expect(binomialCdf(1, 10, 0.5)).toBeCloseTo(11 / 1024, 14);
    expect(binomialCdf(5, 10, 0.5)).toBeCloseTo(638 / 1024, 14);
  });

  it('handles the edges', () => {
    expect(binomialCdf(-1, 10, 0.5)).toBe(0);
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
    expect(binomialCdf(3, 10, 0)).toBe(1);
    expect(binomialCdf(3, 10, 1)).toBe(0);
  });

  it('is accurate for large n (normal approximation as a sanity check)', () => {
    // Binomial(1e5, 0.3): mean 30000, sd ≈ 144.9; within 1e-3 of the continuity-corrected normal.
    const sd = Math.sqrt(1e5 * 0.3 * 0.7);
    expect(binomialCdf(30_200, 1e5, 0.3)).toBeCloseTo(normalCdf((30_200.5 - 30_000) / sd), 3);
  });
});

describe('Student t', () => {
  it('df = 1 (Cauchy) and df = 2 have closed-form quantiles', () => {
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 8);
      expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 9);
    }
  });

  it.each([
    [10, 2.2281388519649385],
    [30, 2.0422724563012373],
    [1e9, 1.959963984540054],
  ])('t(0.975, df = %d) = %d (table)', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 8);
  });

  it('CDF and quantile are inverse and symmetric', () => {
    expect(studentTCdf(studentTQuantile(0.9, 7.3), 7.3)).toBeCloseTo(0.9, 12);
    expect(studentTQuantile(0.1, 7.3)).toBeCloseTo(-studentTQuantile(0.9, 7.3), 12);
  });
});
