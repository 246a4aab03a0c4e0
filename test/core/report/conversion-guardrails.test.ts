import { GUARDRAILS, IDENTICAL, simulatedAggregates, type Truth } from '../../../bench/verdict/simulate';
import { guardrailProblems } from '../../../lambda/core/guardrails';
import {
  applyConversionBinding,
  BINDING_ALPHA_FRACTION,
  CONVERSION_ALPHA_SHARE,
  type ConversionBinding,
  conversionBinding,
  rejectAlphas,
} from '../../../lambda/core/report/checks';
import { judgeAggregates } from '../../../lambda/core/report/from-aggregates';
import type { GuardrailCheck } from '../../../lambda/core/report/types';
import { decideVerdict } from '../../../lambda/core/report/verdict';

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
  const names = [
    'maxErrorRate',
    'maxP99LatencyMs',
    'maxLatencyIncreaseMs',
    'minAgreement',
    'maxAccuracyDrop',
    'maxConversionDrop',
    'maxConversionDropRelative',
  ] as const;

  it('sums to alpha; the conversion guardrails get half of it while a canary runs', () => {
    // Absolute alone: the whole conversion share.
    const absoluteOnly = rejectAlphas(names.slice(0, 6), 0.05);
    expect([...absoluteOnly.values()].reduce((s, v) => s + v, 0)).toBeCloseTo(0.05, 12);
    expect(absoluteOnly.get('maxConversionDrop')).toBeCloseTo(0.025, 12);
    expect(absoluteOnly.get('maxErrorRate')).toBeCloseTo(0.005, 12);
    const shadow = rejectAlphas(names.slice(0, 5), 0.05);
    expect(shadow.get('maxErrorRate')).toBeCloseTo(0.01, 12);
  });

  it('with both conversion limits: one test of the binding limit, 0.001 to choose it and 0.024 to test it', () => {
    const shares = rejectAlphas(names, 0.05);
    expect(BINDING_ALPHA_FRACTION).toBeCloseTo(1 / 25, 15);
    expect(shares.get('maxConversionDrop')).toBeCloseTo(0.024, 12);
    expect(shares.get('maxConversionDropRelative')).toBeCloseTo(0.024, 12);
    expect(shares.get('maxErrorRate')).toBeCloseTo(0.005, 12);
    // The family: five shadow shares, and conversion's one test (selection + binding test).
    const binding = conversionBinding(
      simulatedAggregates(canary({}), 2000, 5),
      withRelative,
      0.05 * CONVERSION_ALPHA_SHARE,
    );
    expect(binding.alphaSelect).toBeCloseTo(0.001, 12);
    expect(binding.alphaTest).toBeCloseTo(shares.get('maxConversionDrop') ?? Number.NaN, 12);
    const shadowTotal = names.slice(0, 5).reduce((s, name) => s + (shares.get(name) ?? 0), 0);
    expect(shadowTotal + binding.alphaSelect + binding.alphaTest).toBeCloseTo(0.05, 12);
  });

  it('is what each check reports', () => {
    const j = check(canary({}), 2000, 5);
    const conversion = j.guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    const errors = j.guardrails.find((g) => g.guardrail === 'maxErrorRate');
    expect(conversion?.alphaViolated).toBeCloseTo(0.024, 12);
    expect(relative(j)?.alphaViolated).toBeCloseTo(0.024, 12);
    expect(errors?.alphaViolated).toBeCloseTo(0.005, 12);
    const absoluteOnly = judgeAggregates(simulatedAggregates(canary({}), 2000, 5), GUARDRAILS, {
      projections: false,
    }).guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    expect(absoluteOnly?.alphaViolated).toBeCloseTo(0.025, 12);
    expect(absoluteOnly?.summary).not.toContain('binds');
  });
});

describe('the binding conversion limit (both limits configured: d = 2 points, r = 20 %)', () => {
  const share = 0.05 * CONVERSION_ALPHA_SHARE;
  const bindingAt = (productionConversion: number, requests: number, seed = 1) =>
    conversionBinding(
      simulatedAggregates(
        canary({ productionConversion, canaryConversion: productionConversion }),
        requests,
        seed,
      ),
      withRelative,
      share,
    );

  it("is the relative limit when 20 % of production's rate is surely below 2 points (5 %)", () => {
    const b = bindingAt(0.05, 20_000);
    expect(b.binds).toBe('relative');
    expect(0.2 * (b.production.upper ?? 1)).toBeLessThan(0.02);
    expect(b.production.lower).toBeLessThan(0.05);
    expect(b.production.upper).toBeGreaterThan(0.05);
    expect(b.reason).toMatch(/^the relative limit binds: 20\.0% of production's rate \[/);
  });

  it("is the absolute limit when 20 % of production's rate is surely above 2 points (15 %)", () => {
    const b = bindingAt(0.15, 20_000);
    expect(b.binds).toBe('absolute');
    expect(0.2 * (b.production.lower ?? 0)).toBeGreaterThan(0.02);
    expect(b.reason).toMatch(/^the absolute limit binds: /);
  });

  it('is unknown while the sequence straddles 10 % (both limits at the same point), or under the gate', () => {
    const b = bindingAt(0.1, 20_000);
    expect(b.binds).toBe('unknown');
    expect(b.production.lower).toBeLessThan(0.1);
    expect(b.production.upper).toBeGreaterThan(0.1);
    expect(b.reason).toContain('a REJECT on conversion needs both limits crossed');
    const few = bindingAt(0.05, 200);
    expect(few.binds).toBe('unknown');
    expect(few.production.lower).toBeNull();
    expect(few.reason).toContain('too few production conversion events');
  });

  it('is the sequence at alpha_s: wider than the same sequence at 0.025', () => {
    const aggregates = simulatedAggregates(
      canary({ productionConversion: 0.1, canaryConversion: 0.1 }),
      20_000,
      1,
    );
    const narrow = conversionBinding(aggregates, withRelative, 25 * 0.025);
    const wide = conversionBinding(aggregates, withRelative, share);
    expect((wide.production.upper ?? 0) - (wide.production.lower ?? 0)).toBeGreaterThan(
      (narrow.production.upper ?? 0) - (narrow.production.lower ?? 0),
    );
  });

  it('says how far the binding side is from the absolute limit, with the decimals that tell them apart', () => {
    const aggregates = simulatedAggregates(
      canary({ productionConversion: 0.05, canaryConversion: 0.05 }),
      20_000,
      2,
    );
    const upper = conversionBinding(aggregates, withRelative, share).production.upper ?? 0;
    // An absolute limit just above 20 % of the rate's upper bound: the relative limit binds.
    const justAbove = { ...withRelative, maxConversionDrop: 0.2 * upper + 1e-7 };
    const binding = conversionBinding(aggregates, justAbove, share);
    expect(binding.binds).toBe('relative');
    const [atMost, limit] = [...binding.reason.matchAll(/([0-9.]+) points/g)].map((m) => m[1]);
    expect(atMost).not.toBe(limit);
    expect(Number(atMost)).toBeLessThan(Number(limit));
  });

  it('says in each conversion summary which limit binds and why', () => {
    const j = check(canary({ productionConversion: 0.05, canaryConversion: 0.05 }), 20_000, 2);
    const absolute = j.guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    expect(absolute?.summary).toMatch(/the relative limit binds: .* below the 2\.00 points absolute limit/);
    expect(absolute?.summary).toContain(
      "so this limit's REJECT side is not used (PROMOTE still needs it met)",
    );
    expect(relative(j)?.summary).toMatch(/the relative limit binds: /);
    expect(relative(j)?.summary).not.toContain('not used');
  });
});

describe('conversion checks under the binding limit', () => {
  const checkOf = (
    guardrail: GuardrailCheck['guardrail'],
    status: GuardrailCheck['status'],
  ): GuardrailCheck => ({
    guardrail,
    status,
    threshold: 0,
    measure: guardrail,
    evidence: { estimate: null, lower: null, upper: null },
    samples: 1000,
    unit: 'users',
    summary: guardrail,
  });
  const bindingOf = (binds: ConversionBinding['binds']): ConversionBinding => ({
    binds,
    alphaSelect: 0.001,
    alphaTest: 0.024,
    production: { estimate: 0.05, lower: 0.04, upper: 0.06 },
    reason: `${binds} binds`,
  });
  const apply = (
    binds: ConversionBinding['binds'],
    absolute: GuardrailCheck['status'],
    rel: GuardrailCheck['status'],
  ) =>
    applyConversionBinding(
      checkOf('maxConversionDrop', absolute),
      checkOf('maxConversionDropRelative', rel),
      bindingOf(binds),
    ).map((c) => c.status);
  const others = (
    ['maxErrorRate', 'maxP99LatencyMs', 'maxLatencyIncreaseMs', 'minAgreement', 'minSampleSize'] as const
  ).map((name) => checkOf(name, 'met'));

  it('never lets the non-binding limit REJECT in a binding state', () => {
    expect(apply('relative', 'violated', 'undecided')).toEqual(['undecided', 'undecided']);
    expect(apply('relative', 'violated', 'met')).toEqual(['undecided', 'met']);
    expect(apply('absolute', 'undecided', 'violated')).toEqual(['undecided', 'undecided']);
    // The binding one rejects on its own.
    expect(apply('relative', 'undecided', 'violated')).toEqual(['undecided', 'violated']);
    expect(apply('absolute', 'violated', 'met')).toEqual(['violated', 'met']);
  });

  it('still needs the non-binding limit met for PROMOTE', () => {
    const verdict = (
      binds: ConversionBinding['binds'],
      absolute: GuardrailCheck['status'],
      rel: GuardrailCheck['status'],
    ) =>
      decideVerdict([
        ...others,
        ...applyConversionBinding(
          checkOf('maxConversionDrop', absolute),
          checkOf('maxConversionDropRelative', rel),
          bindingOf(binds),
        ),
      ]).decision;
    expect(verdict('relative', 'violated', 'met')).toBe('CONTINUE');
    expect(verdict('relative', 'undecided', 'met')).toBe('CONTINUE');
    expect(verdict('absolute', 'met', 'undecided')).toBe('CONTINUE');
    expect(verdict('relative', 'met', 'met')).toBe('PROMOTE');
    expect(verdict('relative', 'undecided', 'violated')).toBe('REJECT');
  });

  it('needs both limits violated while the binding limit is unknown', () => {
    expect(apply('unknown', 'violated', 'undecided')).toEqual(['undecided', 'undecided']);
    expect(apply('unknown', 'met', 'violated')).toEqual(['met', 'undecided']);
    expect(apply('unknown', 'violated', 'violated')).toEqual(['violated', 'violated']);
  });

  it('ends each summary with the reason, and says when a violation is held back', () => {
    const [absolute, rel] = applyConversionBinding(
      checkOf('maxConversionDrop', 'violated'),
      checkOf('maxConversionDropRelative', 'violated'),
      bindingOf('relative'),
    );
    expect(absolute?.summary).toBe(
      "maxConversionDrop — not a REJECT on its own; relative binds, so this limit's REJECT side is not used (PROMOTE still needs it met)",
    );
    expect(rel?.summary).toBe('maxConversionDropRelative; relative binds');
  });

  it('rejects on the relative limit, never the absolute, when the relative one binds (5 % to 2 %)', () => {
    const j = check(canary({ productionConversion: 0.05, canaryConversion: 0.02 }), 20_000, 4);
    const absolute = j.guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    // Its own bounds lie above its 2-point limit, yet it is held back: the relative limit binds.
    expect(absolute?.evidence.lower).toBeGreaterThan(0.02);
    expect(absolute?.status).toBe('undecided');
    expect(absolute?.summary).toContain('not a REJECT on its own; the relative limit binds');
    expect(relative(j)?.status).toBe('violated');
    expect(j.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'maxConversionDropRelative' });
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
