import fc from 'fast-check';
import {
  CANDIDATE,
  experimentOf,
  GUARDRAILS,
  IDENTICAL,
  OTHER_CANDIDATE,
  PRODUCTION,
  simulatedAggregates,
} from '../../../bench/verdict/simulate';
import type { RecordLine } from '../../../lambda/core/evidence/log-lines';
import { aggregateLines } from '../../../lambda/core/report/aggregate-lines';
import { buildReportFromAggregates } from '../../../lambda/core/report/from-aggregates';
import type { Report } from '../../../lambda/core/report/types';

const NOW = new Date('2026-02-01T00:00:00Z');

/** Every rate interval a person reads lies within [0, 1] (differences within [-1, 1]). */
function expectMeaningfulRates(report: Report) {
  const rates = [
    report.errors.production,
    report.errors.candidate,
    report.agreement.candidate,
    ...(report.agreement.noiseBaseline ? [report.agreement.noiseBaseline] : []),
    ...(report.conversion ? [report.conversion.production, report.conversion.canary] : []),
    ...(report.accuracy ? [report.accuracy.production, report.accuracy.candidate] : []),
    ...report.timeline.buckets.flatMap((b) => [b.agreement, b.candidateErrors, b.productionErrors]),
  ];
  for (const r of rates) {
    for (const v of [r.estimate, r.lower, r.upper]) if (v !== null) expect(v >= 0 && v <= 1).toBe(true);
  }
  for (const check of report.guardrails) {
    if (['maxErrorRate', 'minAgreement'].includes(check.guardrail)) {
      for (const v of [check.evidence.lower, check.evidence.upper])
        if (v !== null) expect(v >= 0 && v <= 1).toBe(true);
    }
    if (check.samplesNeeded !== undefined) {
      expect(Number.isInteger(check.samplesNeeded)).toBe(true);
      expect(check.samplesNeeded).toBeGreaterThan(0);
    }
  }
}

describe('buildReportFromAggregates', () => {
  it('says which experiment and since when, and promotes an identical candidate with enough data', () => {
    // Arrange
    const aggregates = simulatedAggregates(IDENTICAL, 20_000, 7);
    // Act
    const report = buildReportFromAggregates(aggregates, GUARDRAILS, { now: NOW });
    // Assert
    expect(report.experiment).toMatchObject({ id: 'exp-1', since: '2026-01-01T00:00:00.000Z' });
    expect(report.verdict.decision).toBe('PROMOTE');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expectMeaningfulRates(report);
  });

  it('keeps every figure meaningful on tiny and noisy data', () => {
    const noisy = { ...IDENTICAL, productionFlip: 0.2, candidateFlip: 0.2, noiseBaselineShare: 0.5 };
    for (const requests of [1, 3, 20, 200]) {
      const report = buildReportFromAggregates(simulatedAggregates(noisy, requests, requests), GUARDRAILS, {
        now: NOW,
      });
      expectMeaningfulRates(report);
      expect(report.verdict.decision).not.toBe('PROMOTE');
    }
  });

  it('is INVALID, never PROMOTE, when the observed canary share is not the configured one', () => {
    // 30 % of users on the canary while the configuration says 10 %.
    const truth = { ...IDENTICAL, canaryShare: 0.3, configuredCanaryShare: 0.1, requestsPerUser: 5 };
    const report = buildReportFromAggregates(simulatedAggregates(truth, 20_000, 3), GUARDRAILS, { now: NOW });
    expect(report.verdict.decision).toBe('INVALID');
    const mismatch = report.verdict.sampleRatio?.[0];
    expect(mismatch).toMatchObject({ check: 'canaryShare', status: 'mismatch', expected: 0.1 });
    expect(mismatch?.observed.estimate).toBeCloseTo(0.3, 1);
    expect(mismatch?.likelyCauses?.length).toBeGreaterThan(0);
  });

  it('does not judge a replay-only candidate on the canary’s conversion', () => {
    // The canary (another candidate) converts 3 points worse; the judged one only replays.
    const truth = {
      ...IDENTICAL,
      canaryShare: 0.5,
      canaryEndpoint: OTHER_CANDIDATE,
      canaryConversion: 0.07,
      requestsPerUser: 5,
    };
    const report = buildReportFromAggregates(simulatedAggregates(truth, 20_000, 5), GUARDRAILS, { now: NOW });
    const conversion = report.guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    expect(conversion?.status).toBe('not_applicable');
    expect(report.verdict.decision).not.toBe('REJECT');
  });

  it('counts impossible latencies as invalid records and never uses them', () => {
    const experiment = experimentOf(IDENTICAL);
    const line = (requestId: string, latency: number): RecordLine => ({
      v: 1,
      requestId,
      experiment: experiment.id,
      receivedAt: experiment.since,
      receivedAtMs: Date.parse(experiment.since),
      dt: experiment.since.slice(0, 10),
      servedVariant: 'production',
      userKey: null,
      shadowSampled: true,
      servedEndpoint: PRODUCTION,
      servedStatus: 'ok',
      servedErrorCode: null,
      servedLatencyMs: 100,
      servedLabel: 'a',
      candidateEndpoint: CANDIDATE,
      candidateStatus: 'ok',
      candidateErrorCode: null,
      candidateLatencyMs: latency,
      candidateLabel: 'a',
      agree: true,
      reason: null,
      noiseAgree: null,
      metricEqual: null,
      metricLabelMatch: null,
      metricScoreDelta: null,
      metricFieldsChecked: null,
      metricFieldsDisagreeing: null,
      metricMaxAbsDelta: null,
      metricOverlap: null,
      metricRankCorrelation: null,
      timeoutMs: 2000,
      servedTimeoutMs: 2000,
    });
    const aggregates = aggregateLines(
      [line('a', -100), line('b', Number.NaN), line('c', 120), line('c', 5)],
      [],
      { experiment },
    );
    expect(aggregates.invalidRecords).toBe(2);
    expect(aggregates.duplicates).toBe(1);
    expect(aggregates.candidateCalls.calls).toBe(1);
    const report = buildReportFromAggregates(aggregates, GUARDRAILS, { now: NOW });
    expect(report.invalidRecords).toBe(2);
    expect(report.latency.candidate.min).toBeGreaterThan(0);
  });

  it('lists every guardrail problem in one clear error', () => {
    const aggregates = simulatedAggregates(IDENTICAL, 10);
    const broken = { ...GUARDRAILS, minSampleSize: 0, maxErrorRate: -1, agreement: 'maybe' as 'evidence' };
    expect(() => buildReportFromAggregates(aggregates, broken, { now: NOW })).toThrow(
      /maxErrorRate must be in \(0, 1\).*got -1.*agreement must be "guardrail" or "evidence", got "maybe".*minSampleSize must be a whole number, at least 1, got 0/,
    );
  });

  it('keeps every figure meaningful for any experiment (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          requests: fc.integer({ min: 0, max: 400 }),
          candidateErrorRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
          productionFlip: fc.double({ min: 0, max: 0.5, noNaN: true }),
          noiseBaselineShare: fc.double({ min: 0, max: 1, noNaN: true }),
          canaryShare: fc.double({ min: 0, max: 0.9, noNaN: true }),
          labelShare: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        ({ requests, seed, ...truth }) => {
          const aggregates = simulatedAggregates(
            { ...IDENTICAL, ...truth, requestsPerUser: 3 },
            requests,
            seed,
          );
          const report = buildReportFromAggregates(aggregates, GUARDRAILS, { now: NOW });
          expectMeaningfulRates(report);
          expect(JSON.parse(JSON.stringify(report))).toEqual(report);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never lets an evidence-only guardrail decide: a better model that disagrees is promoted', () => {
    // 9.5 points more accurate, agreeing 87 % with production (minimum 95 %).
    const better = {
      ...IDENTICAL,
      candidateRightWhenProductionRight: 0.98,
      candidateRightWhenProductionWrong: 0.75,
    };
    const aggregates = simulatedAggregates(better, 20_000, 11);
    const asGuardrail = buildReportFromAggregates(aggregates, GUARDRAILS, { now: NOW });
    expect(asGuardrail.verdict).toMatchObject({ decision: 'REJECT', guardrail: 'minAgreement' });
    const asEvidence = buildReportFromAggregates(
      aggregates,
      { ...GUARDRAILS, agreement: 'evidence' },
      { now: NOW },
    );
    const agreement = asEvidence.guardrails.find((g) => g.guardrail === 'minAgreement');
    expect(agreement).toMatchObject({ status: 'violated', blocking: false });
    expect(asEvidence.verdict.decision).toBe('PROMOTE');
    // Alpha is split over the blocking guardrails only: one fewer with agreement as evidence.
    const errors = (r: typeof asGuardrail) => r.guardrails.find((g) => g.guardrail === 'maxErrorRate');
    expect(errors(asGuardrail)?.alphaViolated).toBeCloseTo(0.05 / 5, 10);
    expect(errors(asEvidence)?.alphaViolated).toBeCloseTo(0.05 / 4, 10);
  });

  it('refuses impossible aggregates with every problem named', () => {
    const good = simulatedAggregates(IDENTICAL, 50);
    const broken = {
      ...good,
      candidateCalls: { ...good.candidateCalls, errors: -1, latency: [[Number.NaN, 3]] as const },
      shadow: { ...good.shadow, agreements: good.shadow.comparisons + 1 },
    };
    expect(() => buildReportFromAggregates(broken, GUARDRAILS, { now: NOW })).toThrow(
      /candidateCalls.errors must be a whole number >= 0, got -1.*candidateCalls.latency has an impossible bucket.*agreements exceed/,
    );
  });
});
