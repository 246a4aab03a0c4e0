import type { ChurnFeatures } from './churn';

/** A small seeded PRNG (mulberry32), so demo traffic and tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, options: readonly (readonly [T, number])[]): T {
  let roll = random();
  for (const [value, weight] of options) {
    roll -= weight;
    if (roll < 0) return value;
  }
  const last = options[options.length - 1];
  if (!last) throw new Error('pick needs at least one option');
  return last[0];
}

/** A customer as a telecom's churn service would typically send one. */
export function typicalChurnCustomer(random: () => number): ChurnFeatures {
  return {
    tenure_months: Math.floor(random() ** 1.5 * 72),
    monthly_charges: Math.round((20 + random() * 100) * 100) / 100,
    support_calls: pick(random, [
      [0, 0.35],
      [1, 0.25],
      [2, 0.15],
      [3, 0.1],
      [4, 0.08],
      [6, 0.07],
    ]),
    contract_months: pick(random, [
      [1, 0.55],
      [12, 0.25],
      [24, 0.2],
    ]),
    late_payments: pick(random, [
      [0, 0.7],
      [1, 0.2],
      [2, 0.07],
      [4, 0.03],
    ]),
  };
}
