import type { RecordLine } from '../../../lambda/core/evidence/log-lines';
import { chooseBucketMinutes } from '../../../lambda/core/report/timeline';
import { DAY0, recordLine } from '../../support/evidence-lines';
import { reportOfLines } from '../../support/report';

const at = (time: string) => `2025-01-01T${time}:00.000Z`;
const day0At = (time: string) => new Date(DAY0 + Date.parse(`1970-01-01T${time}:00.000Z`)).toISOString();
const lineAt = (requestId: string, time: string, fields: Partial<RecordLine> = {}) =>
  recordLine({ requestId, receivedAtMs: Date.parse(day0At(time)), ...fields });

describe('report timeline (evidence lines → aggregates → buckets)', () => {
  const records = [
    lineAt('a', '00:01'),
    lineAt('b', '00:14', { agree: false, reason: 'labels differ' }),
    lineAt('c', '00:29', { servedStatus: 'error', servedLabel: null, agree: null }),
    lineAt('d', '00:44', {
      candidateStatus: 'error',
      candidateLatencyMs: 5000,
      candidateLabel: null,
      agree: null,
    }),
  ];

  it('counts agreement and errors per bucket, aligned to the clock', () => {
    // Act
    const buckets = reportOfLines(records, [], { bucketMinutes: 15 }).timeline.buckets;
    // Assert
    expect(buckets.map((b) => b.start)).toEqual([day0At('00:00'), day0At('00:15'), day0At('00:30')]);
    expect(buckets.map((b) => b.records)).toEqual([2, 1, 1]);
    expect(buckets[0]?.agreement).toMatchObject({ successes: 1, trials: 2, estimate: 0.5 });
    expect(buckets[1]?.productionErrors).toMatchObject({ successes: 1, trials: 1 });
    expect(buckets[1]?.agreement.trials).toBe(0);
    expect(buckets[2]?.candidateErrors).toMatchObject({ successes: 1, trials: 1, estimate: 1 });
    expect(buckets[0]?.agreement.lower as number).toBeLessThan(0.5);
  });

  it('fills gaps so the time axis stays linear', () => {
    const buckets = reportOfLines([lineAt('a', '00:05'), lineAt('b', '03:05')]).timeline.buckets;
    expect(buckets.map((b) => [b.start, b.records])).toEqual([
      [day0At('00:00'), 1],
      [day0At('01:00'), 0],
      [day0At('02:00'), 0],
      [day0At('03:00'), 1],
    ]);
    expect(buckets[1]?.agreement.estimate).toBeNull();
  });

  it('is empty without records', () => {
    expect(reportOfLines([]).timeline.buckets).toEqual([]);
  });
});

describe('chooseBucketMinutes', () => {
  it.each([
    [at('00:00'), at('00:30'), 1],
    [at('00:00'), at('05:00'), 5],
    [at('00:00'), at('23:00'), 60],
    [at('00:00'), '2025-01-08T00:00:00.000Z', 180],
    [null, null, 60],
  ])('%s to %s -> %d-minute buckets', (from, to, minutes) => {
    expect(chooseBucketMinutes(from, to)).toBe(minutes);
  });
});
