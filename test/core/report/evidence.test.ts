import { collectEvidence, createEvidenceCollector, resolveEndpoints } from '../../../lambda/core/report';
import { mulberry32 } from '../../../lambda/core/stats/random';
import { agree, aRecord, ok } from './records';
import { CANDIDATE, IDENTICAL, PRODUCTION, syntheticRecords } from './synthetic';

describe('resolveEndpoints', () => {
  it('takes the usual production and the most replayed other endpoint, unless told', () => {
    const records = [
      aRecord(0, { replay: ok('b', 1) }),
      aRecord(1, { replay: ok('b', 1) }),
      aRecord(2, { replay: ok('a', 1) }),
    ];
    expect(resolveEndpoints(records)).toEqual({
      production: 'production',
      candidate: 'b',
      candidates: ['a', 'b'],
    });
    expect(resolveEndpoints(records, { candidate: 'a' }).candidate).toBe('a');
  });

  it('uses the canary endpoint when nothing was replayed', () => {
    const records = [
      aRecord(0, { replay: null }),
      aRecord(1, { servedVariant: 'canary', served: ok('c', 1), replay: null }),
    ];
    expect(resolveEndpoints(records)).toMatchObject({ production: 'production', candidate: 'c' });
  });
});

describe('evidence collector', () => {
  const records = syntheticRecords(
    { ...IDENTICAL, canaryShare: 0.2, conversionOutcomes: 0.5, labelOutcomes: 0.3, noiseBaselineShare: 0.1 },
    1500,
    mulberry32(21),
  );
  const endpoints = { production: PRODUCTION, candidate: CANDIDATE, candidates: [CANDIDATE] };

  it('collecting batch by batch gives the same evidence as one pass', () => {
    const collector = createEvidenceCollector(endpoints);
    for (const record of records.slice(0, 700)) collector.add(record);
    collector.evidence();
    for (const record of records.slice(700)) collector.add(record);
    expect(collector.evidence()).toEqual(collectEvidence(records));
  });

  it('keeps latencies sorted across merges, and earlier snapshots unchanged', () => {
    const collector = createEvidenceCollector(endpoints);
    for (const record of records.slice(0, 100)) collector.add(record);
    const early = collector.evidence();
    const earlyCopy = Float64Array.from(early.candidateModel.latencies);
    for (const record of records.slice(100)) collector.add(record);
    const late = collector.evidence();
    expect(early.candidateModel.latencies).toEqual(earlyCopy);
    expect(early.agreement.trials).toBeLessThan(late.agreement.trials);
    const sorted = late.candidateModel.latencies;
    expect(sorted.every((v, i) => i === 0 || (sorted[i - 1] as number) <= v)).toBe(true);
  });

  it('ignores comparisons that are not between production and the candidate', () => {
    const evidence = collectEvidence([aRecord(0, { replay: ok('third', 1), comparison: agree })], {
      production: 'production',
      candidate: 'candidate',
    });
    expect(evidence.agreement.trials).toBe(0);
    expect(evidence.candidateModel.errors.trials).toBe(0);
  });
});

describe('noise baseline', () => {
  it("counts only production's self-comparison, not a canary's", () => {
    const selfComparison = (endpoint: string) => ({ endpoint, result: ok(endpoint, 90), comparison: agree });
    const records = [
      { ...aRecord(0, { comparison: agree }), noiseBaseline: selfComparison('production') },
      {
        ...aRecord(1, {
          servedVariant: 'canary',
          served: ok('candidate', 1),
          replay: ok('production', 1),
          comparison: agree,
        }),
        noiseBaseline: selfComparison('candidate'),
      },
    ];
    const evidence = collectEvidence(records, { production: 'production', candidate: 'candidate' });
    expect(evidence.noiseBaseline).toEqual({ successes: 1, trials: 1 });
    expect(evidence.productionModel.errors.trials).toBe(3);
    expect(evidence.candidateModel.errors.trials).toBe(3); // a canary re-invocation is still a candidate call
  });
});
