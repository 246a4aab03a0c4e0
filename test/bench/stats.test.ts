import { compareAt, percentile, summarize } from '../../bench/stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it.each([
    [50, 50],
    [95, 95],
    [99, 99],
    [100, 100],
    [0.5, 1],
  ])('p%d of 1..100 is %d', (p, expected) => {
    expect(percentile(hundred, p)).toBe(expected);
  });

  it('picks an observed value, never an interpolated one', () => {
    // Arrange: p99 of 500 samples is the 495th smallest.
    const samples = Array.from({ length: 500 }, (_, i) => i * 10);

    // Act / Assert
    expect(percentile(samples, 99)).toBe(4940);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('rejects no samples and out-of-range percentiles', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports the percentiles, mean and range', () => {
    // Arrange
    const samples = [5, 1, 4, 2, 3];

    // Act
    const summary = summarize(samples);

    // Assert
    expect(summary).toEqual({ n: 5, p50: 3, p95: 5, p99: 5, mean: 3, min: 1, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });
});

describe('compareAt', () => {
  it('gives the ratio and the difference of the same percentile', () => {
    // Arrange
    const floor = summarize([20, 20, 20, 40]);
    const router = summarize([21, 21, 21, 42]);

    // Act
    const p50 = compareAt(router, floor, 'p50');
    const p99 = compareAt(router, floor, 'p99');

    // Assert
    expect(p50.ratio).toBeCloseTo(1.05, 10);
    expect(p50.deltaMs).toBeCloseTo(1, 10);
    expect(p99.ratio).toBeCloseTo(1.05, 10);
    expect(p99.deltaMs).toBeCloseTo(2, 10);
  });
});
