import { normalQuantile, studentTQuantile } from './distributions';
import { checkAlpha, type Interval, NO_ESTIMATE } from './interval';

// Bound once: these run in hot loops, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { ceil, exp, log, sqrt } = Math;

/** Mean and unbiased variance in one pass (Welford), stable for long latency series. */
export function meanAndVariance(values: ArrayLike<number>): { mean: number; variance: number; n: number } {
  let mean = 0;
  let m2 = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    const delta = x - mean;
    mean += delta / (i + 1);
    m2 += delta * (x - mean);
  }
  return { mean, variance: n > 1 ? m2 / (n - 1) : 0, n };
}

/**
 * Difference of means `mean(b) - mean(a)` with Welch's t interval (unequal variances,
 * Welch–Satterthwaite degrees of freedom; B. L. Welch, Biometrika 34, 1947). For latencies the
 * CLT makes it fine at the sample sizes a verdict needs, even though latencies are skewed.
 */
export function meanDifference(a: ArrayLike<number>, b: ArrayLike<number>, alpha = 0.05): Interval {
  checkAlpha(alpha);
  const sa = meanAndVariance(a);
  const sb = meanAndVariance(b);
  if (sa.n < 2 || sb.n < 2) {
    return sa.n > 0 && sb.n > 0 ? { estimate: sb.mean - sa.mean, lower: null, upper: null } : NO_ESTIMATE;
  }
  const va = sa.variance / sa.n;
  const vb = sb.variance / sb.n;
  const estimate = sb.mean - sa.mean;
  const se = sqrt(va + vb);
  if (se === 0) return { estimate, lower: estimate, upper: estimate };
  const df = (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1));
  const t = studentTQuantile(1 - alpha / 2, df);
  return { estimate, lower: estimate - t * se, upper: estimate + t * se };
}

/**
 * Multiplicative latency shift: the ratio of geometric means `gm(b) / gm(a)` with a Welch
 * interval computed on log latencies and exponentiated. Latencies are roughly log-normal, so a
 * slower model tends to scale them rather than add a constant; on the log scale the
 * distributions are near-symmetric and the normal approximation is much better than on the raw
 * scale. Non-positive values are dropped (a latency is positive).
 */
export function geometricMeanRatio(a: ArrayLike<number>, b: ArrayLike<number>, alpha = 0.05): Interval {
  const logs = (values: ArrayLike<number>) => {
    const out: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v > 0) out.push(log(v));
    }
    return out;
  };
  const diff = meanDifference(logs(a), logs(b), alpha);
  const toRatio = (v: number | null) => (v === null ? null : exp(v));
  return { estimate: toRatio(diff.estimate), lower: toRatio(diff.lower), upper: toRatio(diff.upper) };
}

/**
 * Samples per group to detect a difference `delta` in means with standard deviation `sd`,
 * two-sided at `alpha` with the given power (normal approximation).
 */
export function sampleSizeTwoMeans(sd: number, delta: number, alpha = 0.05, power = 0.8): number {
  checkAlpha(alpha);
  if (delta === 0) return Number.POSITIVE_INFINITY;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return ceil((2 * z * z * sd * sd) / (delta * delta));
}
