import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAnalysisCache } from '../../lambda/adapters/analysis-cache-file';
import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import { BadRequestError, NotFoundError } from '../../lambda/core/errors';
import type { ExperimentStart } from '../../lambda/core/experiment';
import type { AnalysisEngine } from '../../lambda/use-cases/ports/evidence';
import type { CompletedAnalysis } from '../../lambda/use-cases/ports/report';
import { reportFor } from '../../lambda/use-cases/report-for';
import { GUARDRAILS } from '../support/report';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const current: ExperimentStart = {
  id: 'v7',
  startedAt: '2026-11-30T08:00:00.000Z',
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  canaryPercent: 0,
  sampleRate: 0.5,
};
const earlier: ExperimentStart = {
  ...current,
  id: 'v5',
  startedAt: '2026-11-29T08:00:00.000Z',
  sampleRate: 0.1,
};
const options = { answerWithinMs: 20_000, analysisTimeoutMs: 60_000, maxLookbackDays: 31 };

/** An engine whose answers the test releases: no timing decides what happens. */
function gatedEngine() {
  const calls: { sql: string; parameters: readonly (string | number)[]; release: () => void }[] = [];
  const engine: AnalysisEngine = {
    query: (sql, parameters) =>
      new Promise((resolve) => calls.push({ sql, parameters, release: () => resolve([]) })),
  };
  return { engine, calls };
}

function portsWith(engine: AnalysisEngine, now = NOW) {
  const cache = new InMemoryAnalysisCache();
  const stored: Promise<CompletedAnalysis>[] = [];
  let onPut: (a: CompletedAnalysis) => void = () => undefined;
  const put = cache.put.bind(cache);
  cache.put = async (key, analysis) => {
    await put(key, analysis);
    onPut(analysis);
  };
  const nextPut = () => new Promise<CompletedAnalysis>((resolve) => (onPut = resolve));
  return {
    stored,
    nextPut,
    ports: {
      engine,
      experiments: { current: async () => current, recent: async () => [current, earlier] },
      cache,
      guardrails: GUARDRAILS,
      now: () => new Date(now),
    },
  };
}

const answering: AnalysisEngine = { query: async () => [] };

describe('reportFor', () => {
  it('reports the experiment in force since its start, on the SQL of that slice', async () => {
    const { engine, calls } = gatedEngine();
    const answer = reportFor({}, portsWith(engine).ports, options);
    await new Promise((resolve) => setImmediate(resolve));
    for (const call of calls) call.release();

    const result = await answer;
    expect(result.status).toBe('complete');
    if (result.status !== 'complete') return;
    expect(result.report.scope).toBe('experiment');
    expect(result.report.experiment).toMatchObject({
      id: 'v7',
      since: '2026-11-30T08:00:00.000Z',
      sampleRate: 0.5,
    });
    // The totals and the distributions, both filtered to the experiment and its start; no canary,
    // so no per-user sums.
    expect(calls).toHaveLength(2);
    for (const call of calls)
      expect(call.parameters).toEqual(
        expect.arrayContaining(['churn-v1', 'churn-v2', 'v7', Date.parse('2026-11-30T08:00:00.000Z')]),
      );
    expect(calls.map((call) => call.sql.includes('(served_variant, counted_user)'))).toEqual([false, false]);
  });

  it('answers "pending" past the deadline, then the last completed analysis with its age', async () => {
    const { engine, calls } = gatedEngine();
    const first = portsWith(engine);
    const request = { experiment: 'v5' };

    // Deadline 0: the analysis cannot have finished, it waits on the gate.
    const pending = await reportFor(request, first.ports, { ...options, answerWithinMs: 0 });
    expect(pending).toEqual({ status: 'pending', retryAfterSeconds: 1 });

    // The analysis completes after the answer and is kept.
    const kept = first.nextPut();
    for (const call of calls) call.release();
    await kept;

    const later = { ...first.ports, now: () => new Date(NOW + 90_000), engine: gatedEngine().engine };
    const stale = await reportFor(request, later, { ...options, answerWithinMs: 0 });
    expect(stale).toMatchObject({ status: 'stale', ageSeconds: 90, report: { experiment: { id: 'v5' } } });
  });

  it('past the deadline on a cold start, answers the analysis another instance kept in a shared store, with its age', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-for-kept-'));
    try {
      const { engine, calls } = gatedEngine();
      const kept = new FileAnalysisCache(dir);
      const put = kept.put.bind(kept);
      let stored: () => void = () => undefined;
      const storedOnce = new Promise<void>((resolve) => (stored = resolve));
      kept.put = async (key, analysis) => {
        await put(key, analysis);
        stored();
      };
      const warm = { ...portsWith(engine).ports, cache: kept };
      const answer = reportFor({}, warm, options);
      await new Promise((resolve) => setImmediate(resolve));
      for (const call of calls) call.release();
      expect((await answer).status).toBe('complete');
      await storedOnce;

      // Another process (a cold Lambda environment, a restarted local mode): nothing in memory.
      const cold = {
        ...warm,
        cache: new FileAnalysisCache(dir),
        engine: gatedEngine().engine,
        now: () => new Date(NOW + 120_000),
      };
      expect(await reportFor({}, cold, { ...options, answerWithinMs: 0 })).toMatchObject({
        status: 'stale',
        completedAt: new Date(NOW).toISOString(),
        ageSeconds: 120,
        report: { experiment: { id: 'v7' } },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('withholds the verdict of a trailing window: descriptive evidence only', async () => {
    const result = await reportFor({ hours: 2 }, portsWith(answering).ports, options);
    expect(result).toMatchObject({
      status: 'complete',
      report: {
        scope: 'trailing-window',
        verdict: { decision: 'CONTINUE' },
        experiment: { since: '2026-11-30T10:00:00.000Z' },
      },
    });
  });

  it('refuses an unknown experiment, and a start before the experiment began', async () => {
    const { ports } = portsWith(answering);
    await expect(reportFor({ experiment: 'v1' }, ports, options)).rejects.toThrow(NotFoundError);
    await expect(reportFor({ since: '2026-11-30T07:59:59.000Z' }, ports, options)).rejects.toThrow(
      BadRequestError,
    );
    await expect(reportFor({ candidate: 'churn-v1' }, ports, options)).rejects.toThrow('is production');
  });
});
