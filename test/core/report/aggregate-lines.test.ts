import fc from 'fast-check';
import type { OutcomeLine, RecordLine } from '../../../lambda/core/evidence/log-lines';
import { aggregateLines, createAggregator } from '../../../lambda/core/report/aggregate-lines';
import type { ExperimentRef } from '../../../lambda/core/report/aggregates';
import { DAY0, evidenceArbitrary, outcomeLine, recordLine } from '../../support/evidence-lines';
import { expectSameAggregates } from '../../support/report';

// The aggregator's agreement with the SQL is tested in test/core/evidence/aggregates-sql.test.ts;
// here: what a stream may do that a batch never does.
const experiment = (canaryPercent: number): ExperimentRef => ({
  id: 'v1',
  since: new Date(DAY0 + 43_200_000).toISOString(),
  until: new Date(DAY0 + 2.5 * 86_400_000).toISOString(),
  production: 'churn-v1',
  candidates: ['churn-v2', 'churn-v3'],
  canaryPercent,
  sampleRate: 0.5,
});

type Line =
  | { readonly kind: 'record'; readonly line: RecordLine }
  | { readonly kind: 'outcome'; readonly line: OutcomeLine };

describe('createAggregator', () => {
  it('gives the same aggregates whatever order lines arrive in, records and outcomes interleaved', () => {
    const interleaved = evidenceArbitrary.chain(({ records, outcomes }) =>
      fc
        .shuffledSubarray<Line>(
          [
            ...records.map((line) => ({ kind: 'record' as const, line })),
            ...outcomes.map((line) => ({ kind: 'outcome' as const, line })),
          ],
          { minLength: records.length + outcomes.length },
        )
        .map((stream) => ({ records, outcomes, stream })),
    );
    fc.assert(
      fc.property(interleaved, fc.constantFrom(0, 10), ({ records, outcomes, stream }, canaryPercent) => {
        const options = { experiment: experiment(canaryPercent), bucketMinutes: 60 };
        const aggregator = createAggregator(options);
        for (const item of stream) {
          if (item.kind === 'record') aggregator.addRecord(item.line);
          else aggregator.addOutcome(item.line);
        }
        expectSameAggregates(aggregator.aggregates(), aggregateLines(records, outcomes, options));
      }),
      { numRuns: 200 },
    );
  });

  it('withdraws a counted request when its judged replay turns out impossible', () => {
    // Arrange: the served line counts first; the judged replay, with a negative latency, later.
    const at = DAY0 + 86_400_000;
    const aggregator = createAggregator({ experiment: experiment(10) });
    aggregator.addRecord(
      recordLine({ requestId: 'a', receivedAtMs: at, candidateEndpoint: 'churn-v3', userKey: 'u1' }),
    );
    aggregator.addRecord(recordLine({ requestId: 'b', receivedAtMs: at + 60_000 }));
    aggregator.addOutcome(outcomeLine('a', at, { converted: true }));
    const before = aggregator.aggregates();
    // Act
    aggregator.addRecord(
      recordLine({ requestId: 'a', receivedAtMs: at, candidateLatencyMs: -5, userKey: 'u1' }),
    );
    const after = aggregator.aggregates();
    // Assert
    expect(before).toMatchObject({ records: 2, invalidRecords: 0, from: new Date(at).toISOString() });
    expect(before.canary[0]).toMatchObject({ requests: 2, users: 2 });
    expect(after).toMatchObject({
      records: 1,
      invalidRecords: 1,
      from: new Date(at + 60_000).toISOString(),
      outcomes: { converted: 0, labelled: 0, withValue: 0 },
    });
    expect(after.canary[0]).toMatchObject({ requests: 1, users: 1, conversion: { sumM: 0, sumY: 0 } });
    expect(after.production.calls).toBe(1);
  });

  it('lets an earlier post of a field replace a later one that arrived first', () => {
    const at = DAY0 + 86_400_000;
    const aggregator = createAggregator({ experiment: experiment(10) });
    aggregator.addRecord(recordLine({ requestId: 'a', receivedAtMs: at, servedLabel: 'churn' }));
    aggregator.addOutcome(outcomeLine('a', at + 120_000, { converted: false, label: 'stay' }));
    aggregator.addOutcome(outcomeLine('a', at + 60_000, { converted: true }));
    const { canary, shadow, outcomes } = aggregator.aggregates();
    // The conversion from the earlier post; the label from the only post that has one.
    expect(canary[0]?.conversion).toMatchObject({ sumM: 1, sumY: 1 });
    expect(outcomes).toEqual({ converted: 1, labelled: 1, withValue: 0 });
    expect(shadow.accuracy).toEqual({ n00: 1, n01: 0, n10: 0, n11: 0 });
  });
});
