import {
  betMixture,
  logEvidenceMeanAbove,
  logEvidenceMeanBelow,
  meanBounds,
  type TernaryCounts,
} from '../../../lambda/core/stats/anytime';
import { mulberry32 } from '../../../lambda/core/stats/random';

const ALPHA = 0.05;

/** Seeded sequences of X in {-1, 0, +1} with P(+1) = plus, P(-1) = minus, read every `every`. */
function everCrossed(
  runs: number,
  length: number,
  every: number,
  plus: number,
  minus: number,
  test: (c: TernaryCounts) => boolean,
  seed: number,
): number {
  let crossed = 0;
  for (let run = 0; run < runs; run++) {
    const random = mulberry32(seed * 1009 + run);
    const counts = { plus: 0, minus: 0, zero: 0 };
    for (let i = 1; i <= length; i++) {
      const u = random();
      if (u < plus) counts.plus++;
      else if (u < plus + minus) counts.minus++;
      else counts.zero++;
      if (i % every === 0 && test(counts)) {
        crossed++;
        break;
      }
    }
  }
  return crossed / runs;
}

describe('paired difference test (mixture of constant bets)', () => {
  const margin = 0.01;
  const bets = betMixture(margin, 2000, ALPHA);

  it('has weights that sum to 1 and bets inside the range that keeps every factor positive', () => {
    expect(bets.logWeights.reduce((s, w) => s + Math.exp(w), 0)).toBeCloseTo(1, 12);
    for (const f of bets.fractions) expect(f > 0 && f < 1).toBe(true);
  });

  it('is a supermartingale at the null: a drop exactly at the margin, read every 50 pairs, crosses at most alpha', () => {
    // Worst case for "drop > margin": E X = margin, with both kinds of discordant pairs.
    const rate = everCrossed(
      200,
      2000,
      50,
      0.03,
      0.02,
      (c) => logEvidenceMeanAbove(c, margin, bets) >= Math.log(1 / ALPHA),
      1,
    );
    expect(rate).toBeLessThanOrEqual(ALPHA + 0.02);
    // The mirror test at the same null.
    const mirror = everCrossed(
      200,
      2000,
      50,
      0.03,
      0.02,
      (c) => logEvidenceMeanBelow(c, margin, bets) >= Math.log(1 / ALPHA),
      2,
    );
    expect(mirror).toBeLessThanOrEqual(ALPHA + 0.02);
  });

  it('decides a drop of twice the margin and shows an interval around the estimate', () => {
    const counts = { plus: 80, minus: 20, zero: 2900 }; // drop 2 points on 3,000 pairs
    expect(logEvidenceMeanAbove(counts, margin, bets)).toBeGreaterThan(Math.log(1 / ALPHA));
    expect(logEvidenceMeanBelow(counts, margin, bets)).toBeLessThan(0);
    const { lower, upper } = meanBounds(counts, bets, ALPHA, ALPHA);
    expect(lower).toBeGreaterThan(margin);
    expect(upper).toBeGreaterThan(0.02);
    expect(lower).toBeLessThan(0.02);
  });

  it('gives no evidence without data and never evidence against a margin it cannot exceed', () => {
    expect(logEvidenceMeanAbove({ plus: 0, minus: 0, zero: 0 }, margin, bets)).toBe(0);
    expect(logEvidenceMeanAbove({ plus: 50, minus: 0, zero: 0 }, 1, bets)).toBe(Number.NEGATIVE_INFINITY);
  });
});
