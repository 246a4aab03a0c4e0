import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { experimentRowsByDay, type PartialsHost } from '../../lambda/adapters/duckdb-day-partials';
import { JsonLinesEvidenceLog } from '../../lambda/adapters/evidence-log-files';
import { aggregatesFromRows } from '../../lambda/core/evidence/aggregates-from-rows';
import type { OutcomeLine, RecordLine } from '../../lambda/core/evidence/log-lines';
import type { ExperimentSlice } from '../../lambda/core/evidence/sql/experiment-aggregates.sql';
import type { ExperimentAggregates, ExperimentRef } from '../../lambda/core/report/aggregates';
import { AnalysisDeadlineError } from '../../lambda/use-cases/ports/evidence';
import { DAY0, NOT_REPLAYED, outcomeLine, recordLine } from '../support/evidence-lines';
import { aggregatesByDay, aggregatesBySql, expectSameAggregates } from '../support/report';

const DAY = 86_400_000;
/** Noon of DAY0 to the middle of day 3: days 1 and 2 are whole, kept as partials. */
const slice: ExperimentSlice = {
  experiment: 'v1',
  production: 'churn-v1',
  candidate: 'churn-v2',
  sinceMs: DAY0 + DAY / 2,
  untilMs: DAY0 + 3.5 * DAY,
  bucketMinutes: 60,
  perUser: true,
};
const ref: ExperimentRef = {
  id: 'v1',
  since: new Date(slice.sinceMs).toISOString(),
  until: new Date(slice.untilMs).toISOString(),
  production: 'churn-v1',
  candidates: ['churn-v2'],
  canaryPercent: 20,
  sampleRate: 1,
};

/**
 * Ten users, each with requests on every day of the slice (and the half days at its ends), a
 * fifth of them in the canary; conversions posted on some of them, so every user's per-user sums
 * span kept days and read ones.
 */
function evidence(): { records: RecordLine[]; outcomes: OutcomeLine[] } {
  const records: RecordLine[] = [];
  const outcomes: OutcomeLine[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let user = 0; user < 10; user++) {
    const canary = user % 5 === 0;
    for (let i = 0; i < 14; i++) {
      const requestId = `u${user}-r${i}`;
      const receivedAtMs = DAY0 + DAY / 2 + Math.floor(((i + random()) * (3 * DAY)) / 14);
      const line = recordLine({
        requestId,
        receivedAtMs,
        userKey: `user-${user}`,
        servedLatencyMs: 20 + Math.floor(random() * 30),
        ...(canary
          ? { ...NOT_REPLAYED, servedVariant: 'canary' as const, servedEndpoint: 'churn-v2' }
          : { candidateLatencyMs: 25 + Math.floor(random() * 30), agree: random() < 0.9 }),
      });
      records.push(line);
      if (random() < 0.7)
        outcomes.push(outcomeLine(requestId, receivedAtMs + 60_000, { converted: random() < 0.3 }));
    }
  }
  return { records, outcomes };
}

let dir: string;
let engine: DuckDbAnalysisEngine;
let log: JsonLinesEvidenceLog;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'day-partials-'));
  engine = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
  log = new JsonLinesEvidenceLog(dir);
});
afterEach(async () => {
  await log.close();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function append(records: readonly RecordLine[], outcomes: readonly OutcomeLine[]): Promise<void> {
  await log.append([
    ...records.map((line) => ({ kind: 'record' as const, line })),
    ...outcomes.map((line) => ({ kind: 'outcome' as const, line })),
  ]);
}

async function compact(): Promise<void> {
  await log.close();
  await engine.compact({ quietMs: 0 });
  log = new JsonLinesEvidenceLog(dir);
}

/** The report's aggregates by partials, checked against both statements run over everything. */
async function byDayMatchingSql(): Promise<ExperimentAggregates> {
  const expected = await aggregatesBySql(engine, slice, ref, 'log');
  const actual = await aggregatesByDay(engine, slice, ref);
  expectSameAggregates(actual, expected);
  return actual;
}

/** The evidence appended and compacted, and a first report (which keeps the whole days). */
async function keptLog(): Promise<{
  records: RecordLine[];
  outcomes: OutcomeLine[];
  first: ExperimentAggregates;
}> {
  const { records, outcomes } = evidence();
  await append(records, outcomes);
  await compact();
  return { records, outcomes, first: await byDayMatchingSql() };
}

const partialsFolder = () => {
  const root = join(dir, 'partials');
  const [folder] = existsSync(root) ? readdirSync(root) : [];
  return folder === undefined ? undefined : join(root, folder);
};
const computedAt = (day: string) =>
  (
    JSON.parse(readFileSync(join(partialsFolder() as string, `${day}.json`), 'utf8')) as {
      computedAtMs: number;
    }
  ).computedAtMs;

describe('the report over per-day partials (local mode)', () => {
  it('equals both statements over every request: users spanning kept and read days add up before squaring', async () => {
    const { first: aggregates } = await keptLog();
    // The evidence is what the test needs: users in both arms, with conversions on several days.
    const production = aggregates.canary.find((arm) => arm.variant === 'production')?.conversion;
    expect(production?.users).toBe(8);
    expect(production?.sumM2).toBeGreaterThan(production?.sumM ?? 0);
    // Each whole day kept, and their rows added up per user and group in one file.
    expect(readdirSync(partialsFolder() as string).sort()).toEqual([
      '2026-11-29.json',
      '2026-11-29.parquet',
      '2026-11-30.json',
      '2026-11-30.parquet',
      expect.stringMatching(/^merged-[0-9a-f]{16}\.parquet$/),
    ]);
  });

  it('keeps a computed day: the next report reads it instead of computing it again', async () => {
    await keptLog();
    const first = computedAt('2026-11-29');
    await byDayMatchingSql();
    expect(computedAt('2026-11-29')).toBe(first);
  });

  it('computes a kept day again when an outcome for one of its requests is posted after it was kept', async () => {
    const { records, outcomes, first: before } = await keptLog();
    const unposted = records.find(
      (line) => line.dt === '2026-11-29' && !outcomes.some((outcome) => outcome.requestId === line.requestId),
    ) as RecordLine;
    const keptAt = computedAt('2026-11-29');
    const otherDay = computedAt('2026-11-30');
    // Posted now (days after its request), converted: the kept day's conversions change.
    await append([], [outcomeLine(unposted.requestId, Date.now(), { converted: true })]);
    const after = await byDayMatchingSql();
    expect(computedAt('2026-11-29')).toBeGreaterThan(keptAt);
    expect(computedAt('2026-11-30')).toBe(otherDay);
    expect(after.outcomes.converted).toBe(before.outcomes.converted + 1);
  });

  it('keeps its days when the outcomes posted since are for requests of the days it reads', async () => {
    const { records } = await keptLog();
    const keptAt = computedAt('2026-11-29');
    const lastHalfDay = records.find((line) => line.dt === '2026-12-01') as RecordLine;
    await append([], [outcomeLine(lastHalfDay.requestId, Date.now(), { value: 3 })]);
    const after = await byDayMatchingSql();
    expect(after.outcomes.withValue).toBe(1);
    expect(computedAt('2026-11-29')).toBe(keptAt);
  });

  it('reads a day with lines not compacted yet, and keeps it again once they are', async () => {
    const { first: before } = await keptLog();
    const keptAt = computedAt('2026-11-29');
    // A late line for day 1 (a shadow replay delivered after a backlog): not compacted yet.
    await append([recordLine({ requestId: 'late', receivedAtMs: DAY0 + 1.5 * DAY, userKey: 'user-1' })], []);
    const withLate = await byDayMatchingSql();
    expect(withLate.records).toBe(before.records + 1);
    await compact();
    await byDayMatchingSql();
    expect(computedAt('2026-11-29')).toBeGreaterThan(keptAt);
  });

  it('gives the same report when the partials are deleted (they are a cache)', async () => {
    const { first: kept } = await keptLog();
    rmSync(join(dir, 'partials'), { recursive: true, force: true });
    expectSameAggregates(await aggregatesByDay(engine, slice, ref), kept);
  });

  it('keeps the days it finished when its deadline stops it, and reports one progress for all its queries', async () => {
    const { records, outcomes } = evidence();
    await append(records, outcomes);
    await compact();
    // The real engine, its third query stopped as a deadline would (day 1 computed by then).
    let queries = 0;
    const shown: number[] = [];
    const host = (stopAt: number): PartialsHost => ({
      logDir: dir,
      recordDays: () => engine.recordDays(),
      query: (sql, parameters, options) => {
        queries += 1;
        if (queries === stopAt) return Promise.reject(new AnalysisDeadlineError('stopped'));
        options?.onProgress?.(0.5);
        return engine.query(sql, parameters, options);
      },
    });
    await expect(experimentRowsByDay(host(3), slice)).rejects.toThrow(AnalysisDeadlineError);
    expect(existsSync(join(partialsFolder() as string, '2026-11-29.json'))).toBe(true);
    expect(existsSync(join(partialsFolder() as string, '2026-11-30.json'))).toBe(false);
    const keptAt = computedAt('2026-11-29');

    queries = 0;
    const rows = await experimentRowsByDay(host(-1), slice, { onProgress: (f) => shown.push(f) });
    expect(computedAt('2026-11-29')).toBe(keptAt);
    expectSameAggregates(
      aggregatesFromRows({
        experiment: ref,
        candidate: slice.candidate,
        bucketMinutes: slice.bucketMinutes,
        ...rows,
      }),
      await aggregatesBySql(engine, slice, ref, 'log'),
    );
    // Day 2, the merge, the rest's two statements: one share of steps, never going back.
    expect(shown.length).toBe(queries);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(shown[0]).toBeGreaterThan(0);
    expect(shown[shown.length - 1]).toBeLessThan(1);
    expect(shown[shown.length - 1]).toBeGreaterThan(0.7);
  });
});
