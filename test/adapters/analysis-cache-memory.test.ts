import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import type { CompletedAnalysis } from '../../lambda/use-cases/ports/report';

const analysis = (n: number) => ({ completedAt: `t${n}` }) as unknown as CompletedAnalysis;

describe('InMemoryAnalysisCache', () => {
  it('answers what was put under a key, and nothing for another key', async () => {
    const cache = new InMemoryAnalysisCache();
    await cache.put('a', analysis(1));
    expect(await cache.get('a')).toEqual(analysis(1));
    expect(await cache.get('b')).toBeUndefined();
  });

  it('keeps at most its bound, dropping the least recently written first', async () => {
    // Arrange
    const cache = new InMemoryAnalysisCache(2);
    await cache.put('a', analysis(1));
    await cache.put('b', analysis(2));
    // Act: writing `a` again makes `b` the oldest
    await cache.put('a', analysis(3));
    await cache.put('c', analysis(4));
    // Assert
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toEqual(analysis(3));
    expect(await cache.get('c')).toEqual(analysis(4));
  });
});
