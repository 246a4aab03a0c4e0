/**
 * The small form of the verdict simulation (the full one: `npm run bench:verdict`, table in
 * docs/verdict.md). Seeded experiments with known truth go through the real path — evidence-log
 * lines, the TypeScript aggregator, `judgeAggregates` — with a look every 100–200 records. Each
 * case would fail if its statistical fix broke: exactness at small counts, failures in the
 * latency tail, per-user clustering, attribution by endpoint, the sample ratio check.
 */
import { scenarios } from '../../../bench/verdict/scenarios';
import { GUARDRAILS, IDENTICAL, runScenario, type Scenario } from '../../../bench/verdict/simulate';

const ALPHA = 0.05;
const byName = (text: string): Scenario => {
  const found = scenarios().find((s) => s.name.includes(text));
  if (found === undefined) throw new Error(`no scenario "${text}"`);
  return found;
};

describe('verdict simulation (small form; seeded)', () => {
  it('promotes an identical candidate and never rejects it (looser p99-increase limit to decide fast)', () => {
    const result = runScenario(
      {
        name: 'identical, 30 ms increase limit',
        truth: IDENTICAL,
        guardrails: { ...GUARDRAILS, maxLatencyIncreaseMs: 30 },
        expected: 'PROMOTE',
        bad: false,
        horizon: 3000,
        peekEvery: 300,
      },
      10,
      1,
      ALPHA,
    );
    expect(result.right).toBeGreaterThanOrEqual(0.9);
    expect(result.falseReject).toBe(0);
  });

  it('rejects a candidate with 2.2 % errors (limit 1 %): failed calls also sit in its latency tail', () => {
    const result = runScenario(
      { ...byName('errors +2 points'), horizon: 4000, peekEvery: 200 },
      10,
      2,
      ALPHA,
    );
    expect(result.right).toBeGreaterThanOrEqual(0.9);
    expect(result.falsePromote).toBe(0);
  });

  it('rejects a tail-only regression on p99 (3 % of calls 150 ms slower)', () => {
    const result = runScenario({ ...byName('tail only'), horizon: 1500, peekEvery: 100 }, 10, 3, ALPHA);
    expect(result.right).toBeGreaterThanOrEqual(0.9);
  });

  it('never promotes a small canary whose conversion sits on the limit (exact counts, per user)', () => {
    const result = runScenario({ ...byName('small canary'), horizon: 3000, peekEvery: 100 }, 10, 4, ALPHA);
    expect(result.falsePromote).toBe(0);
  });

  it('never promotes clustered users converting on the limit (ICC 0.3, 20 requests per user)', () => {
    const result = runScenario(
      { ...byName('ICC 0.3), conversion'), horizon: 4000, peekEvery: 200 },
      10,
      5,
      ALPHA,
    );
    expect(result.falsePromote).toBe(0);
  });

  it('says INVALID, never PROMOTE, on a sample ratio mismatch', () => {
    const result = runScenario(
      { ...byName('sample ratio mismatch'), horizon: 2500, peekEvery: 250 },
      6,
      6,
      ALPHA,
    );
    expect(result.right).toBe(1);
    expect(result.falsePromote).toBe(0);
  });
});
