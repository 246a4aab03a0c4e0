/**
 * Seeded pseudo-random numbers for simulations and tests, so a run with a given seed is
 * reproducible on every machine. Not for anything security-related.
 */

// Bound once: these run in hot loops, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { PI, cos, exp, imul, log, sqrt } = Math;

export type Random = () => number;

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state generator with period 2^32,
 * good enough for Monte Carlo checks and far faster than a cryptographic generator.
 * Returns uniform numbers in [0, 1).
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bernoulli(p) draw. */
export function bernoulli(random: Random, p: number): boolean {
  return random() < p;
}

/** Standard normal draw (Box–Muller; one of the pair is discarded for simplicity). */
export function standardNormal(random: Random): number {
  const u = 1 - random(); // (0, 1], so the log is finite
  const v = random();
  return sqrt(-2 * log(u)) * cos(2 * PI * v);
}

/** Log-normal draw: `exp(mu + sigma * Z)`. */
export function logNormal(random: Random, mu: number, sigma: number): number {
  return exp(mu + sigma * standardNormal(random));
}
