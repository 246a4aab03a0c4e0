import { buildReport } from '../../../lambda/core/report';
import { mulberry32 } from '../../../lambda/core/stats/random';
import { agree, aRecord, disagree, failed, GUARDRAILS, ok, times } from './records';
import { CANDIDATE, COMPARATOR, IDENTICAL, PRODUCTION, syntheticRecords } from './synthetic';

const NOW = new Date('2025-02-01T00:00:00Z');

/** Reports are printed with --json and served by GET /report: they must survive JSON intact. */
function expectPlainJson(value: unknown) {
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  expect(JSON.stringify(value)).not.toMatch(/NaN|Infinity/);
}

describe('buildReport', () => {
  it('reports an empty window as CONTINUE with nulls, in plain JSON', () => {
    // Act
    const report = buildReport([], GUARDRAILS, { now: NOW });
    // Assert
    expect(report.generatedAt).toBe('2025-02-01T00:00:00.000Z');
    expect(report.verdict.decision).toBe('CONTINUE');
    expect(report.verdict.samplesNeeded?.minSampleSize).toBe(100);
    expect(report.production.endpoint).toBeNull();
    expect(report.latency.candidate.p99).toEqual({ estimate: null, lower: null, upper: null });
    expect(report.conversion).toBeNull();
    expect(report.accuracy).toBeNull();
    expect(report.timeline.buckets).toEqual([]);
    expectPlainJson(report);
  });

  it('finds production and candidate endpoints from the records', () => {
    const records = [
      ...times(5, (i) => aRecord(i, { comparison: agree })),
      aRecord(5, { replay: ok('other-candidate', 90), comparison: agree }),
    ];
    const report = buildReport(records, GUARDRAILS, { now: NOW });
    expect(report.production.endpoint).toBe('production');
    expect(report.candidate.endpoint).toBe('candidate');
    expect(report.candidates).toEqual(['candidate', 'other-candidate']);
    expect(report.samples).toMatchObject({
      records: 6,
      comparisons: 5,
      candidateResults: 5,
      productionResults: 6,
    });
    expect(
      buildReport(records, GUARDRAILS, { candidate: 'other-candidate', now: NOW }).samples.comparisons,
    ).toBe(1);
  });

  it('summarizes latencies of successful calls with nearest-rank percentiles and deltas', () => {
    // Production 1..100 ms, candidate 11..110 ms; one candidate failure that must not count as a latency.
    const records = [
      ...times(100, (i) =>
        aRecord(i, { served: ok('production', i + 1), replay: ok('candidate', i + 11), comparison: agree }),
      ),
      aRecord(100, { served: ok('production', 50), replay: failed('candidate', 5000) }),
    ];
    const { latency, errors } = buildReport(records, GUARDRAILS, { now: NOW });
    expect(latency.production).toMatchObject({ count: 101, min: 1, max: 100 });
    expect(latency.candidate).toMatchObject({ count: 100, min: 11, max: 110, mean: 60.5 });
    expect(latency.candidate.p50.estimate).toBe(60);
    expect(latency.candidate.p90.estimate).toBe(100);
    expect(latency.delta.p50.estimate).toBe(10);
    expect(latency.delta.mean.estimate).toBeCloseTo(60.5 - (5050 + 50) / 101, 10);
    expect(latency.delta.ratio.estimate as number).toBeGreaterThan(1);
    expect(latency.delta.p50.lower as number).toBeLessThan(10);
    expect(latency.delta.p50.upper as number).toBeGreaterThan(10);
    expect(latency.histogram.production.reduce((a, b) => a + b, 0)).toBe(101);
    expect(latency.histogram.candidate.reduce((a, b) => a + b, 0)).toBe(100);
    expect(latency.histogram.edges).toHaveLength(31);
    expect(errors.candidate).toMatchObject({ successes: 1, trials: 101 });
    expect(errors.production).toMatchObject({ successes: 0, trials: 101 });
  });

  it('reports agreement, comparator metrics and the most frequent reasons', () => {
    const scored = (agreeing: boolean, scoreDelta: number, reason?: string) => ({
      comparator: 'classification' as const,
      agree: agreeing,
      metrics: { labelMatch: agreeing ? 1 : 0, scoreDelta },
      ...(reason === undefined ? {} : { reason }),
    });
    const records = [
      ...times(6, (i) => aRecord(i, { comparison: scored(true, 0.02) })),
      ...times(3, (i) => aRecord(10 + i, { comparison: scored(false, 0.1, 'labels differ') })),
      aRecord(20, { comparison: scored(false, 0.3, 'score delta 0.3 above 0.1') }),
    ];
    const { agreement } = buildReport(records, GUARDRAILS, { now: NOW });
    expect(agreement.candidate).toMatchObject({ successes: 6, trials: 10, estimate: 0.6 });
    expect(agreement.metrics.scoreDelta).toEqual({
      count: 10,
      mean: (6 * 0.02 + 3 * 0.1 + 0.3) / 10,
      min: 0.02,
      max: 0.3,
    });
    expect(agreement.reasons).toEqual([
      { reason: 'labels differ', count: 3 },
      { reason: 'score delta 0.3 above 0.1', count: 1 },
    ]);
    expect(agreement.noiseBaseline).toBeNull();
    expect(agreement.excessDisagreement).toBeNull();
  });

  it('measures production self-agreement from the records’ noise baseline', () => {
    const records = times(10, (i) =>
      aRecord(i, {
        comparison: i < 8 ? agree : disagree(),
        ...(i % 2 === 0 ? { noiseBaseline: i < 4 ? agree : disagree() } : {}),
      }),
    );
    const { agreement, samples } = buildReport(records, GUARDRAILS, { now: NOW });
    expect(samples.noiseBaseline).toBe(5);
    expect(samples.productionResults).toBe(15); // the re-invocations are production calls too
    expect(agreement.noiseBaseline).toMatchObject({ successes: 2, trials: 5 });
    // Candidate disagreement 2/10 minus production self-disagreement 3/5.
    expect(agreement.excessDisagreement?.estimate).toBeCloseTo(0.2 - 0.6, 12);
  });

  it('compares conversion per served variant once a canary serves users', () => {
    const records = [
      ...times(100, (i) => aRecord(i, { replay: null, outcome: { converted: i < 20 } })),
      ...times(100, (i) =>
        aRecord(100 + i, {
          servedVariant: 'canary',
          served: ok('candidate', 100),
          replay: ok('production', 100),
          comparison: agree,
          outcome: { converted: i < 10 },
        }),
      ),
    ];
    const report = buildReport(records, GUARDRAILS, { now: NOW });
    expect(report.phase).toBe('canary');
    expect(report.conversion?.production).toMatchObject({ successes: 20, trials: 100 });
    expect(report.conversion?.canary).toMatchObject({ successes: 10, trials: 100 });
    expect(report.conversion?.difference.difference.estimate).toBeCloseTo(-0.1, 12);
    expect(report.conversion?.samplesPerVariantToDetectMaxDrop).toBeGreaterThan(1000);
    // Canary-served answers are the candidate's, and comparisons count in either role.
    expect(report.samples.candidateResults).toBe(100);
    expect(report.samples.comparisons).toBe(100);
    const conversionCheck = report.guardrails.find((g) => g.guardrail === 'maxConversionDrop');
    expect(conversionCheck?.status).not.toBe('not_applicable');
  });

  it('scores label accuracy per model with the comparator label path', () => {
    const answer = (label: string) => JSON.stringify({ predictions: [{ label }] });
    const records = times(10, (i) =>
      aRecord(i, {
        served: ok('production', 100, answer(i < 8 ? 'churn' : 'stay')),
        replay: ok('candidate', 100, answer(i < 6 ? 'churn' : 'stay')),
        comparison: agree,
        outcome: { label: 'churn' },
      }),
    );
    const report = buildReport(records, GUARDRAILS, {
      now: NOW,
      comparator: { type: 'classification', labelPath: 'predictions[0].label' },
    });
    expect(report.samples.labelled).toBe(10);
    expect(report.accuracy?.production).toMatchObject({ successes: 8, trials: 10 });
    expect(report.accuracy?.candidate).toMatchObject({ successes: 6, trials: 10 });
    expect(report.accuracy?.difference.difference.estimate).toBeCloseTo(-0.2, 12);
  });

  it('finds labels without a configured path in a `label` field or a bare answer, matching 1 and "1"', () => {
    const records = [
      aRecord(0, {
        served: ok('production', 1, '{"label":1}'),
        replay: ok('candidate', 1, '1'),
        outcome: { label: '1' },
      }),
      aRecord(1, {
        served: ok('production', 1, '{"label":0}'),
        replay: ok('candidate', 1, '"1"'),
        outcome: { label: 1 },
      }),
      aRecord(2, {
        served: ok('production', 1, '{"other":1}'),
        replay: ok('candidate', 1, '{"x":1}'),
        outcome: { label: 1 },
      }),
    ];
    const { accuracy } = buildReport(records, GUARDRAILS, { now: NOW });
    expect(accuracy?.production).toMatchObject({ successes: 1, trials: 2 });
    expect(accuracy?.candidate).toMatchObject({ successes: 2, trials: 2 });
  });

  it('builds a timeline of agreement and errors', () => {
    const records = [
      aRecord(0, { receivedAt: '2025-01-01T00:10:00.000Z', comparison: agree }),
      aRecord(1, { receivedAt: '2025-01-01T00:50:00.000Z', comparison: disagree() }),
      aRecord(2, { receivedAt: '2025-01-01T02:05:00.000Z', replay: failed('candidate') }),
    ];
    const { timeline, window } = buildReport(records, GUARDRAILS, { now: NOW, bucketMinutes: 60 });
    expect(window).toEqual({ from: '2025-01-01T00:10:00.000Z', to: '2025-01-01T02:05:00.000Z' });
    expect(
      timeline.buckets.map((b) => [b.start, b.records, b.agreement.estimate, b.candidateErrors.estimate]),
    ).toEqual([
      ['2025-01-01T00:00:00.000Z', 2, 0.5, 0],
      ['2025-01-01T01:00:00.000Z', 0, null, null],
      ['2025-01-01T02:00:00.000Z', 1, null, 1],
    ]);
  });

  it('produces a rich report that survives JSON intact', () => {
    const records = syntheticRecords(
      {
        ...IDENTICAL,
        canaryShare: 0.3,
        conversionOutcomes: 0.8,
        labelOutcomes: 0.5,
        noiseBaselineShare: 0.2,
        selfAgreement: 0.99,
      },
      800,
      mulberry32(5),
    );
    const report = buildReport(records, GUARDRAILS, { now: NOW, comparator: COMPARATOR });
    expect(report.production.endpoint).toBe(PRODUCTION);
    expect(report.candidate.endpoint).toBe(CANDIDATE);
    expect(report.conversion).not.toBeNull();
    expect(report.accuracy).not.toBeNull();
    expect(report.agreement.noiseBaseline).not.toBeNull();
    expectPlainJson(report);
  });

  it('rejects an invalid alpha', () => {
    expect(() => buildReport([], GUARDRAILS, { alpha: 0 })).toThrow(RangeError);
    expect(() => buildReport([], GUARDRAILS, { alpha: 0.5 })).toThrow('alpha must be in (0, 0.5)');
  });
});
