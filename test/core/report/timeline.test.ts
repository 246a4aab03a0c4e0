import { bucketByTime, chooseBucketMinutes, MAX_TIME_BUCKETS } from '../../../lambda/core/report';
import { agree, aRecord, disagree, failed, ok } from './records';

const at = (time: string) => `2025-01-01T${time}:00.000Z`;

describe('bucketByTime', () => {
  const records = [
    aRecord(0, { receivedAt: at('00:01'), comparison: agree }),
    aRecord(1, { receivedAt: at('00:14'), comparison: disagree() }),
    aRecord(2, { receivedAt: at('00:29'), served: failed('production'), replay: ok('candidate', 80) }),
    aRecord(3, { receivedAt: at('00:44'), replay: failed('candidate') }),
  ];

  it('counts agreement and errors per bucket, aligned to the clock, with empty buckets in gaps', () => {
    // Act
    const buckets = bucketByTime(records, { bucketMinutes: 15 });
    // Assert
    expect(buckets.map((b) => b.start)).toEqual([at('00:00'), at('00:15'), at('00:30')]);
    expect(buckets.map((b) => b.records)).toEqual([2, 1, 1]);
    expect(buckets[0]?.agreement).toMatchObject({ successes: 1, trials: 2, estimate: 0.5 });
    expect(buckets[1]?.productionErrors).toMatchObject({ successes: 1, trials: 1 });
    expect(buckets[1]?.agreement.trials).toBe(0);
    expect(buckets[2]?.candidateErrors).toMatchObject({ successes: 1, trials: 1, estimate: 1 });
    expect(buckets[0]?.agreement.lower as number).toBeLessThan(0.5);
  });

  it('fills gaps so the time axis stays linear', () => {
    const sparse = [aRecord(0, { receivedAt: at('00:05') }), aRecord(1, { receivedAt: at('03:05') })];
    const buckets = bucketByTime(sparse);
    expect(buckets.map((b) => [b.start, b.records])).toEqual([
      [at('00:00'), 1],
      [at('01:00'), 0],
      [at('02:00'), 0],
      [at('03:00'), 1],
    ]);
    expect(buckets[1]?.agreement.estimate).toBeNull();
  });

  it('is empty without records and refuses absurdly fine buckets', () => {
    expect(bucketByTime([])).toEqual([]);
    const year = [
      aRecord(0, { receivedAt: '2024-01-01T00:00:00.000Z' }),
      aRecord(1, { receivedAt: '2025-01-01T00:00:00.000Z' }),
    ];
    expect(() => bucketByTime(year, { bucketMinutes: 1 })).toThrow(`exceed ${MAX_TIME_BUCKETS} buckets`);
    expect(() => bucketByTime(year, { bucketMinutes: 0 })).toThrow(RangeError);
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
