import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTICAL, simulatedAggregates } from '../../../bench/verdict/simulate';
import { guardrailProblems } from '../../../lambda/core/guardrails';
import { judgeAggregates } from '../../../lambda/core/report/from-aggregates';
import { formatDuration, parseDuration } from '../../../lambda/core/rollout/duration';
import {
  InvalidRolloutPlanError,
  parsePlan,
  planProblems,
  planSpec,
} from '../../../lambda/core/rollout/plan';
import { stages } from '../../../lib/config/stages';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['4h', 14_400_000],
    ['2d', 172_800_000],
    ['1.5h', 5_400_000],
    [' 5s ', 5000],
  ])('parses %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '5x', '-5s', '0s', 'h', '5 s', '1e3s', 5, null])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([
    [14_400_000, '4h'],
    [90_000, '90s'],
    [900_000, '15m'],
    [172_800_000, '2d'],
    [1500, '1.5s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('rollout plans', () => {
  const issueExample = {
    steps: [
      { canaryPercent: 0, sampleRate: 0.5, minDuration: '24h', maxDuration: '72h', minSamples: 2000 },
      { canaryPercent: 1, minDuration: '4h', maxDuration: '24h', minSamples: 500 },
      { canaryPercent: 10, minDuration: '4h', maxDuration: '24h' },
      { canaryPercent: 50, minDuration: '2h', maxDuration: '12h' },
    ],
    promote: true,
  };

  it('reads the format of the issue, with durations in milliseconds and defaults filled in', () => {
    const plan = parsePlan(issueExample);
    expect(plan.promote).toBe(true);
    expect(plan.steps[0]).toEqual({
      canaryPercent: 0,
      sampleRate: 0.5,
      minDurationMs: 86_400_000,
      maxDurationMs: 259_200_000,
      minSamples: 2000,
    });
    expect(plan.steps[3]).toEqual({
      canaryPercent: 50,
      minDurationMs: 7_200_000,
      maxDurationMs: 43_200_000,
      minSamples: 0,
    });
    expect(parsePlan(planSpec(plan))).toEqual(plan);
  });

  it('promotes by default and keeps step guardrail overrides', () => {
    const plan = parsePlan({
      steps: [{ canaryPercent: 5, minDuration: '5s', maxDuration: '1m', guardrails: { minSampleSize: 30 } }],
    });
    expect(plan.promote).toBe(true);
    expect(plan.steps[0]?.guardrails).toEqual({ minSampleSize: 30 });
  });

  it('checks a step override with the same range as the stage guardrail it overrides', () => {
    const stepProblems = (overrides: Record<string, unknown>) =>
      planProblems({
        steps: [{ canaryPercent: 5, minDuration: '1m', maxDuration: '2m', guardrails: overrides }],
      }).map((problem) => problem.replace('steps[0].', ''));
    for (const overrides of [
      { maxErrorRate: 0 },
      { minSampleSize: 0.5 },
      { maxConversionDropRelative: 1 },
      { maxP99LatencyMs: 0 },
      { plannedRecords: 50 },
    ]) {
      const stage = guardrailProblems({ ...stages.prod.guardrails, ...overrides });
      expect(stage).toHaveLength(1);
      expect(stepProblems(overrides)).toEqual(stage);
    }
    expect(stepProblems({ maxErrorRate: 0.02, minSampleSize: 200, plannedRecords: 20_000 })).toEqual([]);
  });

  it.each([
    [null, ['a plan must be a JSON object like {"steps": [...], "promote": true}']],
    [{ steps: [] }, ['steps must be a non-empty list of steps']],
    [
      { steps: [{ canaryPercent: 101, minDuration: '1h', maxDuration: '1m' }], promote: 'yes', colour: 1 },
      [
        'unknown field "colour" (expected steps, promote)',
        'promote must be true or false',
        'steps[0].canaryPercent must be a number from 0 to 100',
        'steps[0].minDuration 1h is longer than its maxDuration 1m',
      ],
    ],
    [
      {
        steps: [
          { canaryPercent: 10, minDuration: '4 hours', maxDuration: 60, minSamples: -1, sampleRate: 2 },
          {
            canaryPercent: 5,
            minDuration: '1m',
            maxDuration: '2m',
            guardrails: { maxErrorRate: 2, bogus: 1 },
          },
          { canaryPercent: 0, sampleRate: 0, minDuration: '1m', maxDuration: '2m', extra: true },
        ],
      },
      [
        'steps[0].sampleRate must be a number from 0 to 1',
        'steps[0].minDuration must be a duration such as "30s", "15m" or "4h", got "4 hours"',
        'steps[0].maxDuration must be a duration such as "30s", "15m" or "4h", got 60',
        'steps[0].minSamples must be a whole number >= 0',
        "steps[1].canaryPercent 5 is below the previous step's 10: a rollout only widens the canary",
        'steps[1].guardrails: unknown guardrail "bogus" (expected maxP99LatencyMs, maxLatencyIncreaseMs, maxErrorRate, minAgreement, maxConversionDrop, maxConversionDropRelative, minSampleSize, plannedRecords)',
        'steps[1].guardrails.maxErrorRate must be in (0, 1) (at 0 no candidate could ever be shown to meet it), got 2',
        'steps[2]: unknown field "extra" (expected canaryPercent, sampleRate, minDuration, maxDuration, minSamples, guardrails)',
        "steps[2].canaryPercent 0 is below the previous step's 10: a rollout only widens the canary",
        'steps[2] is shadow only (canaryPercent 0) with sampleRate 0: it would gather no evidence',
      ],
    ],
  ])('lists every problem of %j', (raw, problems) => {
    expect(planProblems(raw)).toEqual(problems);
    expect(() => parsePlan(raw)).toThrow(InvalidRolloutPlanError);
  });

  it.each(Object.values(stages))("stage $stage's default plan is valid", (stage) => {
    expect(planProblems(stage.rollout.plan)).toEqual([]);
  });
});

describe('the demo plan (local/plans/demo.json, the README’s walk)', () => {
  const demo = parsePlan(JSON.parse(readFileSync(join(__dirname, '../../../local/plans/demo.json'), 'utf8')));
  const canaryStep = demo.steps.at(-1);
  // Demo traffic: a candidate as good as production, half the users on the canary.
  const traffic = { ...IDENTICAL, canaryShare: 0.5, requestsPerUser: 5, labelShare: 0 };

  it('lets its canary step promote a candidate that converts like production within 2,000 requests', () => {
    const guardrails = { ...stages.dev.guardrails, ...canaryStep?.guardrails };
    const decisions = [1, 2, 3].map(
      (seed) => judgeAggregates(simulatedAggregates(traffic, 2000, seed), guardrails).verdict.decision,
    );
    expect(decisions).toEqual(['PROMOTE', 'PROMOTE', 'PROMOTE']);
  });

  it('needs its conversion overrides for that: under the stage’s own conversion limits the step would still wait', () => {
    const { maxConversionDrop: _a, maxConversionDropRelative: _r, ...others } = canaryStep?.guardrails ?? {};
    const guardrails = { ...stages.dev.guardrails, ...others };
    expect(judgeAggregates(simulatedAggregates(traffic, 2000, 1), guardrails).verdict.decision).toBe(
      'CONTINUE',
    );
  });
});
