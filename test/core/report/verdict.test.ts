import type { Guardrails } from '../../../lambda/core/guardrails';
import {
  buildReport,
  decideVerdict,
  type GuardrailCheck,
  type GuardrailName,
  type GuardrailStatus,
} from '../../../lambda/core/report';
import { mulberry32 } from '../../../lambda/core/stats/random';
import { agree, aRecord, disagree, failed, GUARDRAILS, ok, times } from './records';
import { COMPARATOR, IDENTICAL, syntheticRecords } from './synthetic';

const NOW = new Date(0);
const check = (
  guardrail: GuardrailName,
  status: GuardrailStatus,
  samplesNeeded?: number,
): GuardrailCheck => ({
  guardrail,
  status,
  threshold: 1,
  measure: guardrail,
  evidence: { estimate: null, lower: null, upper: null },
  samples: 0,
  unit: 'comparisons',
  ...(samplesNeeded === undefined ? {} : { samplesNeeded }),
  summary: `${guardrail} is ${status}`,
});
const checkOf = (report: ReturnType<typeof buildReport>, name: GuardrailName) =>
  report.guardrails.find((g) => g.guardrail === name) as GuardrailCheck;

describe('decideVerdict', () => {
  it('REJECTs on the most severe violated guardrail and lists every violation', () => {
    const verdict = decideVerdict([
      check('minSampleSize', 'undecided', 50),
      check('minAgreement', 'violated'),
      check('maxErrorRate', 'violated'),
      check('maxP99LatencyMs', 'met'),
    ]);
    expect(verdict).toEqual({
      decision: 'REJECT',
      guardrail: 'maxErrorRate',
      reasons: ['maxErrorRate: maxErrorRate is violated', 'minAgreement: minAgreement is violated'],
    });
  });

  it('PROMOTEs only when every applicable guardrail is met', () => {
    const all: GuardrailName[] = [
      'minSampleSize',
      'maxErrorRate',
      'maxP99LatencyMs',
      'maxLatencyIncreaseMs',
      'minAgreement',
    ];
    const verdict = decideVerdict([
      ...all.map((g) => check(g, 'met')),
      check('maxConversionDrop', 'not_applicable'),
    ]);
    expect(verdict.decision).toBe('PROMOTE');
    expect(verdict.reasons).toHaveLength(6);
    expect(verdict.guardrail).toBeUndefined();
  });

  it('CONTINUEs with the samples each undecided guardrail still needs', () => {
    const verdict = decideVerdict([
      check('minSampleSize', 'met'),
      check('maxErrorRate', 'undecided', 1200),
      check('minAgreement', 'undecided'),
      check('maxP99LatencyMs', 'met'),
    ]);
    expect(verdict.decision).toBe('CONTINUE');
    expect(verdict.samplesNeeded).toEqual({ maxErrorRate: 1200 });
    expect(verdict.reasons).toEqual([
      'maxErrorRate: maxErrorRate is undecided (about 1200 more comparisons)',
      'minAgreement: minAgreement is undecided',
    ]);
  });
});

describe('verdict from records', () => {
  it('REJECTs a failing candidate on the error rate before the minimum sample size', () => {
    // 60 of 200 calls fail: far above a 1% limit, decided without waiting for 500 comparisons.
    const records = times(200, (i) =>
      aRecord(i, i % 10 < 3 ? { replay: failed('candidate') } : { comparison: agree }),
    );
    const report = buildReport(records, { ...GUARDRAILS, minSampleSize: 500 }, { now: NOW });
    expect(report.verdict.decision).toBe('REJECT');
    expect(report.verdict.guardrail).toBe('maxErrorRate');
    expect(report.verdict.reasons[0]).toMatch(/^maxErrorRate: candidate error rate 30\.0% \(60\/200\)/);
    expect(checkOf(report, 'minSampleSize').status).toBe('undecided');
  });

  it('CONTINUEs on a promising candidate until the minimum sample size, then PROMOTEs', () => {
    const clean = (n: number) => times(n, (i) => aRecord(i, { comparison: agree }));
    const early = buildReport(clean(60), GUARDRAILS, { now: NOW });
    expect(early.verdict.decision).toBe('CONTINUE');
    expect(early.verdict.samplesNeeded?.minSampleSize).toBe(40);
    const later = buildReport(clean(1000), GUARDRAILS, { now: NOW });
    expect(later.verdict.decision).toBe('PROMOTE');
    expect(later.verdict.reasons).toContain(
      'maxConversionDrop: no canary traffic: conversion is judged once a canary serves users',
    );
  });

  it('REJECTs a candidate whose p99 is clearly above the limit, and one far slower than production', () => {
    const slow = times(400, (i) =>
      aRecord(i, { replay: ok('candidate', 320 + (i % 10)), comparison: agree }),
    );
    const p99 = buildReport(slow, GUARDRAILS, { now: NOW });
    expect(p99.verdict.guardrail).toBe('maxP99LatencyMs');
    expect(checkOf(p99, 'maxP99LatencyMs').evidence.lower as number).toBeGreaterThan(300);

    const slower = times(1000, (i) =>
      aRecord(i, {
        served: ok('production', 100 + (i % 50)),
        replay: ok('candidate', 200 + (i % 50)),
        comparison: agree,
      }),
    );
    const increase = buildReport(slower, GUARDRAILS, { now: NOW });
    expect(increase.verdict.guardrail).toBe('maxLatencyIncreaseMs');
    expect(checkOf(increase, 'maxLatencyIncreaseMs').evidence.estimate).toBe(100);
  });

  it('REJECTs on agreement when disagreement is clearly above what the minimum allows', () => {
    const records = times(300, (i) => aRecord(i, { comparison: i % 5 === 0 ? disagree() : agree })); // 80%
    const report = buildReport(records, GUARDRAILS, { now: NOW });
    expect(report.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'minAgreement' });
    expect(checkOf(report, 'minAgreement').measure).toBe('candidate agreement');
  });

  it('judges disagreement against production’s own noise: same self-disagreement is not the candidate’s fault', () => {
    // Production disagrees with itself 6% of the time; the candidate (the same model) 6% too.
    const noisy = { ...IDENTICAL, agreement: 0.94, selfAgreement: 0.94 };
    const guardrails: Guardrails = { ...GUARDRAILS, minAgreement: 0.97, minSampleSize: 500 };
    const withoutBaseline = buildReport(syntheticRecords(noisy, 3000, mulberry32(8)), guardrails, {
      now: NOW,
      comparator: COMPARATOR,
    });
    expect(withoutBaseline.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'minAgreement' });

    const withBaseline = buildReport(
      syntheticRecords({ ...noisy, noiseBaselineShare: 0.5 }, 6000, mulberry32(8)),
      guardrails,
      { now: NOW, comparator: COMPARATOR },
    );
    const agreement = checkOf(withBaseline, 'minAgreement');
    expect(agreement.measure).toBe('noise-adjusted agreement');
    expect(agreement.status).toBe('met');
    expect(withBaseline.verdict.decision).toBe('PROMOTE');
  });

  it('still REJECTs a candidate that disagrees beyond production’s noise', () => {
    const guardrails: Guardrails = { ...GUARDRAILS, minAgreement: 0.97, minSampleSize: 500 };
    const records = syntheticRecords(
      { ...IDENTICAL, agreement: 0.85, selfAgreement: 0.97, noiseBaselineShare: 0.5 },
      3000,
      mulberry32(9),
    );
    const report = buildReport(records, guardrails, { now: NOW, comparator: COMPARATOR });
    expect(report.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'minAgreement' });
    expect(checkOf(report, 'minAgreement').measure).toBe('noise-adjusted agreement');
  });

  it('REJECTs a canary whose users convert clearly less', () => {
    const records = [
      ...times(2000, (i) => aRecord(i, { replay: null, outcome: { converted: i % 10 < 3 } })), // 30%
      ...times(2000, (i) =>
        aRecord(2000 + i, {
          servedVariant: 'canary',
          served: ok('candidate', 100),
          replay: ok('production', 100),
          comparison: agree,
          outcome: { converted: i % 10 < 2 }, // 20%
        }),
      ),
    ];
    const report = buildReport(records, GUARDRAILS, { now: NOW });
    expect(report.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'maxConversionDrop' });
    expect(checkOf(report, 'maxConversionDrop').evidence.estimate).toBeCloseTo(0.1, 12);
  });

  it('gives shrinking sample-size estimates for an undecided guardrail as evidence accumulates', () => {
    // Candidate error rate 0.5% against a 1% limit: decidable, but only with more calls.
    const records = (n: number) =>
      times(n, (i) => aRecord(i, i % 200 === 0 ? { replay: failed('candidate') } : { comparison: agree }));
    const at400 = checkOf(buildReport(records(400), GUARDRAILS, { now: NOW }), 'maxErrorRate');
    const at800 = checkOf(buildReport(records(800), GUARDRAILS, { now: NOW }), 'maxErrorRate');
    expect(at400.status).toBe('undecided');
    expect(at800.status).toBe('undecided');
    expect(at400.samplesNeeded as number).toBeGreaterThan(at800.samplesNeeded as number);
    // The projection is consistent: at the projected size, the same rate is decided.
    const projected = 400 + (at400.samplesNeeded as number);
    const atProjection = checkOf(
      buildReport(records(Math.ceil(projected / 200) * 200 + 200), GUARDRAILS, { now: NOW }),
      'maxErrorRate',
    );
    expect(atProjection.status).toBe('met');
  });
});
