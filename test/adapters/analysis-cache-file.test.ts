import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAnalysisCache } from '../../lambda/adapters/analysis-cache-file';
import type { CompletedAnalysis } from '../../lambda/use-cases/ports/report';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'analyses-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const analysis = (completedAt: string) =>
  ({ completedAt, report: { scope: 'experiment', samples: { records: 3 } } }) as unknown as CompletedAnalysis;

describe('FileAnalysisCache (local mode)', () => {
  it('keeps the analysis of a request across restarts (a new instance over the same folder reads it)', async () => {
    await new FileAnalysisCache(join(dir, 'kept')).put('a', analysis('2026-11-30T19:00:00.000Z'));
    const restarted = new FileAnalysisCache(join(dir, 'kept'));
    expect(await restarted.get('a')).toEqual(analysis('2026-11-30T19:00:00.000Z'));
    expect(await restarted.get('b')).toBeUndefined();
    expect(readdirSync(join(dir, 'kept'))).toEqual([expect.stringMatching(/^[0-9a-f]{32}\.json$/)]);
  });

  it('keeps the latest of two analyses finishing out of order', async () => {
    const cache = new FileAnalysisCache(dir);
    await cache.put('a', analysis('2026-11-30T19:10:00.000Z'));
    await cache.put('a', analysis('2026-11-30T19:05:00.000Z'));
    expect((await cache.get('a'))?.completedAt).toBe('2026-11-30T19:10:00.000Z');
  });

  it('reads a damaged file as a miss and says so, and the next analysis replaces it', async () => {
    const errors: string[] = [];
    const cache = new FileAnalysisCache(dir, (operation) => errors.push(operation));
    await cache.put('a', analysis('2026-11-30T19:00:00.000Z'));
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file as string), '{"key": "a", "comp');
    expect(await cache.get('a')).toBeUndefined();
    await cache.put('a', analysis('2026-11-30T19:30:00.000Z'));
    expect((await cache.get('a'))?.completedAt).toBe('2026-11-30T19:30:00.000Z');
    expect(errors).toEqual(['get', 'get']);
  });
});
