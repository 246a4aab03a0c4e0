import { IDENTICAL, simulatedAggregates, type Truth } from '../../../bench/verdict/simulate';
import type { RecordLine } from '../../../lambda/core/evidence/log-lines';
import type { Guardrails } from '../../../lambda/core/guardrails';
import { buildReportFromAggregates } from '../../../lambda/core/report/from-aggregates';
import type {
  GuardrailCheck,
  GuardrailName,
  GuardrailStatus,
  Report,
} from '../../../lambda/core/report/types';
import { decideVerdict } from '../../../lambda/core/report/verdict';
import { NOT_REPLAYED, outcomeLine, recordLine } from '../../support/evidence-lines';
import { GUARDRAILS, reportOfLines, times } from '../../support/report';

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
const checkOf = (report: Report, name: GuardrailName) =>
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

/** One request served by production and replayed on the candidate; both answered the same. */
const line = (i: number, fields: Partial<RecordLine> = {}) => recordLine({ requestId: `r${i}`, ...fields });
const candidateFailed: Partial<RecordLine> = {
  candidateStatus: 'error',
  candidateLatencyMs: 3000,
  candidateLabel: null,
  agree: null,
};

describe('verdict from evidence lines', () => {
  it('REJECTs a failing candidate on the error rate before the minimum sample size', () => {
    // 60 of 200 calls fail: far above a 1% limit, decided without waiting for 500 comparisons.
    const records = times(200, (i) => line(i, i % 10 < 3 ? candidateFailed : {}));
    const report = reportOfLines(records, [], {
      guardrails: { ...GUARDRAILS, minSampleSize: 500 },
      now: NOW,
    });
    expect(report.verdict.decision).toBe('REJECT');
    expect(report.verdict.guardrail).toBe('maxErrorRate');
    expect(report.verdict.reasons[0]).toMatch(/^maxErrorRate: .*30\.0% \(60\/200\)/);
    expect(checkOf(report, 'minSampleSize').status).toBe('undecided');
  });

  it('CONTINUEs on a promising candidate until the minimum sample size, then PROMOTEs', () => {
    const clean = (n: number) => times(n, (i) => line(i));
    const early = reportOfLines(clean(60), [], { now: NOW });
    expect(early.verdict.decision).toBe('CONTINUE');
    expect(early.verdict.samplesNeeded?.minSampleSize).toBe(40);
    const later = reportOfLines(clean(1000), [], { now: NOW });
    expect(later.verdict.decision).toBe('PROMOTE');
  });

  it('REJECTs a candidate whose p99 is clearly above the limit, and one far slower than production', () => {
    const slow = times(400, (i) => line(i, { candidateLatencyMs: 320 + (i % 10) }));
    const p99 = reportOfLines(slow, [], { now: NOW });
    expect(p99.verdict.guardrail).toBe('maxP99LatencyMs');
    expect(checkOf(p99, 'maxP99LatencyMs').evidence.lower as number).toBeGreaterThan(300);

    const slower = times(1000, (i) =>
      line(i, { servedLatencyMs: 100 + (i % 50), candidateLatencyMs: 200 + (i % 50) }),
    );
    const increase = reportOfLines(slower, [], { now: NOW });
    expect(increase.verdict.guardrail).toBe('maxLatencyIncreaseMs');
    // Latencies are bucketed at 0.2 % relative width.
    expect(checkOf(increase, 'maxLatencyIncreaseMs').evidence.estimate as number).toBeCloseTo(100, -0.5);
  });

  it('REJECTs on agreement when disagreement is clearly above what the minimum allows', () => {
    const records = times(300, (i) =>
      line(i, i % 5 === 0 ? { agree: false, candidateLabel: 'stay', reason: 'labels differ' } : {}),
    ); // 80%
    const report = reportOfLines(records, [], { now: NOW });
    expect(report.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'minAgreement' });
    expect(checkOf(report, 'minAgreement').measure).toBe('candidate agreement');
  });

  // Production and candidate flip their latent answer per invocation: the same model, disagreeing
  // with itself as often as with the candidate.
  const noisy: Truth = { ...IDENTICAL, productionFlip: 0.03, candidateFlip: 0.03, labelShare: 0 };
  const noiseGuardrails: Guardrails = { ...GUARDRAILS, minAgreement: 0.97, minSampleSize: 500 };

  it('judges disagreement against production’s own noise: same self-disagreement is not the candidate’s fault', () => {
    const withoutBaseline = buildReportFromAggregates(simulatedAggregates(noisy, 3000, 8), noiseGuardrails, {
      now: NOW,
    });
    expect(withoutBaseline.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'minAgreement' });

    const withBaseline = buildReportFromAggregates(
      simulatedAggregates({ ...noisy, noiseBaselineShare: 0.5 }, 6000, 8),
      noiseGuardrails,
      { now: NOW },
    );
    const agreement = checkOf(withBaseline, 'minAgreement');
    expect(agreement.measure).toBe('noise-adjusted agreement');
    expect(agreement.status).toBe('met');
    expect(withBaseline.verdict.decision).toBe('PROMOTE');
  });

  it('still REJECTs a candidate that disagrees beyond production’s noise', () => {
    const worse: Truth = { ...noisy, candidateFlip: 0.2, noiseBaselineShare: 0.5 };
    const report = buildReportFromAggregates(simulatedAggregates(worse, 3000, 9), noiseGuardrails, {
      now: NOW,
    });
    expect(report.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'minAgreement' });
    expect(checkOf(report, 'minAgreement').measure).toBe('noise-adjusted agreement');
  });

  it('REJECTs a canary whose users convert clearly less', () => {
    // Canary phase without shadow sampling: every request recorded, none replayed.
    const notReplayed = NOT_REPLAYED;
    const records = [
      ...times(2000, (i) => line(i, { ...notReplayed, userKey: `u${i}` })),
      ...times(2000, (i) =>
        line(2000 + i, {
          ...notReplayed,
          servedVariant: 'canary',
          servedEndpoint: 'churn-v2',
          userKey: `u${2000 + i}`,
        }),
      ),
    ];
    const outcomes = records.map((r, i) =>
      // 30% of production's users convert, 20% of the canary's.
      outcomeLine(r.requestId, r.receivedAtMs, { converted: i % 10 < (i < 2000 ? 3 : 2) }),
    );
    const report = reportOfLines(records, outcomes, {
      experiment: { canaryPercent: 50, sampleRate: 0 },
      now: NOW,
    });
    expect(report.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'maxConversionDrop' });
    expect(checkOf(report, 'maxConversionDrop').evidence.estimate).toBeCloseTo(0.1, 12);
  });

  it('gives shrinking sample-size estimates for an undecided guardrail as evidence accumulates', () => {
    // Candidate error rate 0.5% against a 1% limit: decidable, but only with more calls.
    const records = (n: number) => times(n, (i) => line(i, i % 200 === 0 ? candidateFailed : {}));
    const at400 = checkOf(reportOfLines(records(400), [], { now: NOW }), 'maxErrorRate');
    const at800 = checkOf(reportOfLines(records(800), [], { now: NOW }), 'maxErrorRate');
    expect(at400.status).toBe('undecided');
    expect(at800.status).toBe('undecided');
    expect(at400.samplesNeeded as number).toBeGreaterThan(at800.samplesNeeded as number);
    // The projection is consistent: at the projected size, the same rate is decided.
    const projected = 400 + (at400.samplesNeeded as number);
    const atProjection = checkOf(
      reportOfLines(records(Math.ceil(projected / 200) * 200 + 200), [], { now: NOW }),
      'maxErrorRate',
    );
    expect(atProjection.status).toBe('met');
  });
});
