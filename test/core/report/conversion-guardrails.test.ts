import { GUARDRAILS, IDENTICAL, simulatedAggregates, type Truth } from '../../../bench/verdict/simulate';
import { guardrailProblems } from '../../../lambda/core/guardrails';
import { rejectAlphas } from '../../../lambda/core/report/checks';
import { judgeAggregates } from '../../../lambda/core/report/from-aggregates';

const canary = (truth: Partial<Truth>): Truth => ({
  ...IDENTICAL,
  canaryShare: 0.5,
  requestsPerUser: 5,
  labelShare: 0,
  ...truth,
});
const withRelative = { ...GUARDRAILS, maxConversionDropRelative: 0.2 };
const check = (truth: Truth, requests: number, seed = 1) =>
  judgeAggregates(simulatedAggregates(truth, requests, seed), withRelative, { projections: false });
const relative = (j: ReturnType<typeof check>) =>
  j.guardrails.find((g) => g.guardrail === 'maxConversionDropRelative');

describe('relative conversion guardrail', () => {
  it('rejects a canary that loses 40 % of a 5 % base rate while the absolute drop sits on its limit', () => {
    const j = check(canary({ productionConversion: 0.05, canaryConversion: 0.03 }), 20_000, 3);
    const r = relative(j);
    expect(r?.status).toBe('violated');
    expect(r?.evidence.estimate).toBeCloseTo(0.4, 1);
    expect(r?.evidence.lower).toBeGreaterThan(0.2);
    expect(j.verdict.decision).toBe('REJECT');
  });

  it('is met when the canary converts like production, with an interval around 0', () => {
    const r = relative(check(canary({}), 20_000, 4));
    expect(r?.status).toBe('met');
    expect(r?.evidence.upper).toBeLessThanOrEqual(0.2);
    expect(r?.evidence.lower).toBeLessThan(0);
  });

  it('is not judged without a canary, and not at all when not configured', () => {
    const shadowOnly = judgeAggregates(simulatedAggregates(IDENTICAL, 500), withRelative, {
      projections: false,
    });
    expect(relative(shadowOnly)?.status).toBe('not_applicable');
    const absent = judgeAggregates(simulatedAggregates(canary({}), 500), GUARDRAILS, { projections: false });
    expect(relative(absent)).toBeUndefined();
  });

  it('is range-checked like every guardrail', () => {
    expect(guardrailProblems({ ...GUARDRAILS, maxConversionDropRelative: 0 })).toEqual([
      'guardrails.maxConversionDropRelative must be in (0, 1), got 0',
    ]);
    expect(guardrailProblems({ ...GUARDRAILS, maxConversionDropRelative: 'x' })).toEqual([
      'guardrails.maxConversionDropRelative must be in (0, 1), got "x"',
    ]);
  });
});

describe('REJECT alpha split (weighted Bonferroni, fixed by configuration)', () => {
  it('sums to alpha; the conversion guardrails share half of it while a canary runs', () => {
    const names = [
      'maxErrorRate',
      'maxP99LatencyMs',
      'maxLatencyIncreaseMs',
      'minAgreement',
      'maxAccuracyDrop',
      'maxConversionDrop',
      'maxConversionDropRelative',
    ] as const;
    const shares = rejectAlphas(names, 0.05);
    expect([...shares.values()].reduce((s, v) => s + v, 0)).toBeCloseTo(0.05, 12);
    expect(shares.get('maxConversionDrop')).toBeCloseTo(0.0125, 12);
    expect(shares.get('maxErrorRate')).toBeCloseTo(0.005, 12);
    const shadow = rejectAlphas(names.slice(0, 5), 0.05);
    expect(shadow.get('maxErrorRate')).toBeCloseTo(0.01, 12);
  });

  it('is what each check reports', () => {
    const j = check(canary({}), 2000, 5);
    const conversion = j.guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    const errors = j.guardrails.find((g) => g.guardrail === 'maxErrorRate');
    expect(conversion?.alphaViolated).toBeCloseTo(0.0125, 12);
    expect(errors?.alphaViolated).toBeCloseTo(0.005, 12);
  });
});

describe('conversion within a planned length (plannedRecords)', () => {
  const { plannedRecords: _plan, ...openEnded } = GUARDRAILS;
  // 10 requests per user, intra-user correlation 0.05, 10 % to 6 % (twice the 2-point margin).
  const clustered = canary({
    requestsPerUser: 10,
    userCorrelation: 0.05,
    productionConversion: 0.1,
    canaryConversion: 0.06,
  });
  const drop = (requests: number, plannedRecords?: number) => {
    const guardrails = plannedRecords === undefined ? openEnded : { ...openEnded, plannedRecords };
    const j = judgeAggregates(simulatedAggregates(clustered, requests, 1), guardrails, {
      projections: false,
    });
    const found = j.guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    if (found === undefined) throw new Error('no conversion check');
    return found;
  };

  it('decides a drop at the plan that the open-ended test alone leaves undecided', () => {
    expect(drop(12_000).status).toBe('undecided');
    expect(drop(12_000, 12_000).status).toBe('violated');
  });

  it('is tighter up to the plan and looser past it, where only the open-ended share is left', () => {
    const open = drop(12_000).evidence.lower ?? Number.NaN;
    const atPlan = drop(12_000, 12_000).evidence.lower ?? Number.NaN;
    const pastPlan = drop(12_000, 6_000).evidence.lower ?? Number.NaN;
    expect(atPlan).toBeGreaterThan(open);
    expect(pastPlan).toBeLessThan(open);
  });

  it('leaves the PROMOTE side as it is', () => {
    expect(drop(12_000, 12_000).evidence.upper).toBe(drop(12_000).evidence.upper);
  });
});

describe('the conversion summary says where the planned length stands', () => {
  it('before and past the plan, and nothing without one', () => {
    const aggregates = simulatedAggregates(canary({}), 2000, 6);
    const summary = (guardrails: typeof GUARDRAILS) =>
      judgeAggregates(aggregates, guardrails, { projections: false }).guardrails.find(
        (g) => g.guardrail === 'maxConversionDrop',
      )?.summary;
    const { plannedRecords: _plan, ...openEnded } = GUARDRAILS;
    expect(summary({ ...openEnded, plannedRecords: 5000 })).toContain(
      'REJECT side mostly spent by the planned 5,000 records (2,000 so far)',
    );
    expect(summary({ ...openEnded, plannedRecords: 1000 })).toContain(
      'REJECT side past the planned 1,000 records: the open-ended share alone',
    );
    expect(summary(openEnded)).not.toContain('planned');
  });
});
