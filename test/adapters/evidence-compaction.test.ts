import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { type CompactionResult, scheduleCompaction } from '../../lambda/adapters/evidence-compaction';
import { JsonLinesEvidenceLog, rotateWriters } from '../../lambda/adapters/evidence-log-files';
import { aggregatesFromRows } from '../../lambda/core/evidence/aggregates-from-rows';
import type { OutcomeLine, RecordLine } from '../../lambda/core/evidence/log-lines';
import {
  experimentDistributionsQuery,
  experimentTotalsQuery,
  type RequestsSource,
} from '../../lambda/core/evidence/sql/experiment-aggregates.sql';
import type { ExperimentAggregates, ExperimentRef } from '../../lambda/core/report/aggregates';
import { DAY0, evidenceArbitrary, outcomeLine, recordLine } from '../support/evidence-lines';
import { aggregatesBySql, EVIDENCE_SLICE, expectSameAggregates as expectSame } from '../support/report';

/**
 * Compaction of the local evidence log into Parquet, with the real file adapter, real DuckDB and
 * real files: whatever happens (compaction at any point, a crash between its steps, appends
 * during it), a report's aggregates are those of the lines appended, each counted once.
 */

const slice = EVIDENCE_SLICE;
const ref: ExperimentRef = {
  id: slice.experiment,
  since: new Date(slice.sinceMs).toISOString(),
  until: new Date(slice.untilMs).toISOString(),
  production: slice.production,
  candidates: [slice.candidate, 'churn-v3'],
  canaryPercent: 10,
  sampleRate: 0.5,
};

interface Lines {
  readonly records: readonly RecordLine[];
  readonly outcomes: readonly OutcomeLine[];
}

let dir: string;
let engine: DuckDbAnalysisEngine;
let writers: JsonLinesEvidenceLog[];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evidence-compaction-'));
  engine = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
  writers = [];
});
const afterCleanup: string[] = [];
afterEach(async () => {
  for (const path of afterCleanup.splice(0)) rmSync(path, { recursive: true, force: true });
  for (const writer of writers) await writer.close();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

function writer(): JsonLinesEvidenceLog {
  const log = new JsonLinesEvidenceLog(dir);
  writers.push(log);
  return log;
}

const asLines = (lines: Lines) => [
  ...lines.records.map((line) => ({ kind: 'record' as const, line })),
  ...lines.outcomes.map((line) => ({ kind: 'outcome' as const, line })),
];

function reportFrom(source: RequestsSource): Promise<ExperimentAggregates> {
  return aggregatesBySql(engine, slice, ref, source);
}

/**
 * The report as local mode computes it (per request from the compacted request lines), held
 * to the shared text (Athena's, deduplicating the raw lines) on the same files at every step.
 */
async function report(): Promise<ExperimentAggregates> {
  const local = await reportFrom('compacted');
  expectSame(local, await reportFrom('log'));
  return local;
}

/** Every file of the log, by kind: what compaction left where. */
function files(): { jsonl: string[]; parquet: string[]; other: string[] } {
  const found = { jsonl: [] as string[], parquet: [] as string[], other: [] as string[] };
  for (const relation of ['records', 'outcomes']) {
    if (!existsSync(join(dir, relation))) continue;
    for (const day of readdirSync(join(dir, relation), { withFileTypes: true }).filter((d) =>
      d.isDirectory(),
    )) {
      for (const name of readdirSync(join(dir, relation, day.name))) {
        const path = join(relation, day.name, name);
        if (name.endsWith('.jsonl')) found.jsonl.push(path);
        else if (name.endsWith('.parquet')) found.parquet.push(path);
        else found.other.push(path);
      }
    }
  }
  return found;
}

/**
 * The aggregates of the same lines appended once to a fresh log and never compacted: what
 * compaction must not change (the SQL itself is held to the line-by-line aggregator in
 * test/core/evidence/aggregates-sql.test.ts).
 */
async function uncompacted(lines: Lines): Promise<ExperimentAggregates> {
  const fresh = mkdtempSync(join(tmpdir(), 'evidence-uncompacted-'));
  const other = await DuckDbAnalysisEngine.open(fresh, { threads: 1 });
  const log = new JsonLinesEvidenceLog(fresh);
  try {
    await log.append(asLines(lines));
    const totals = experimentTotalsQuery(slice);
    const distributions = experimentDistributionsQuery(slice);
    return aggregatesFromRows({
      experiment: ref,
      candidate: slice.candidate,
      bucketMinutes: slice.bucketMinutes,
      totals: await other.query(totals.sql, totals.parameters),
      distributions: await other.query(distributions.sql, distributions.parameters),
    });
  } finally {
    await log.close();
    other.close();
    rmSync(fresh, { recursive: true, force: true });
  }
}

describe('compaction of the local evidence log into Parquet', () => {
  it('loses and duplicates nothing, whenever it runs between appends (seeded property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        evidenceArbitrary,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 3 }),
        // Few lines per pass: a request's rows split over passes would count it twice.
        fc.integer({ min: 1, max: 40 }),
        async (lines, seed, maxFilesPerDay, linesPerPass) => {
          for (const relation of ['records', 'outcomes'])
            rmSync(join(dir, relation), { recursive: true, force: true });
          const expected = await uncompacted(lines);
          const log = writer();
          // Lines arrive in three bursts; after each, writers rotate and the log is compacted, so
          // a request's copies and its outcomes (before or after it) land in Parquet and JSON alike.
          const all = asLines(lines);
          const shuffled = all
            .map((line, i) => ({ line, key: (Math.imul(seed ^ i, 2654435761) >>> 0) % 1000 }))
            .sort((a, b) => a.key - b.key)
            .map(({ line }) => line);
          const third = Math.ceil(shuffled.length / 3);
          for (let burst = 0; burst < 3; burst++) {
            await log.append(shuffled.slice(burst * third, (burst + 1) * third));
            if (burst < 2) {
              await rotateWriters();
              await engine.compact({ maxFilesPerDay, linesPerPass });
            }
          }
          expectSame(await report(), expected);
          // And once everything is compacted.
          await rotateWriters();
          await engine.compact({ maxFilesPerDay, linesPerPass });
          expect(files().jsonl).toEqual([]);
          expectSame(await report(), expected);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('turns closed files into one Parquet file per relation and day, with the same lines and dt', async () => {
    const log = writer();
    await log.append([
      { kind: 'record', line: recordLine({ requestId: 'a', receivedAtMs: DAY0 + 1000 }) },
      { kind: 'record', line: recordLine({ requestId: 'b', receivedAtMs: DAY0 + 86_400_000 }) },
      { kind: 'outcome', line: outcomeLine('a', DAY0 + 2000, { converted: true }) },
    ]);
    const before = await engine.query(
      'SELECT requestId, dt, servedLatencyMs FROM records ORDER BY requestId',
      [],
    );
    await rotateWriters();
    const result = await engine.compact();
    expect(result).toMatchObject({ skipped: false, jsonFiles: 3, parquetFiles: 3, rolledForward: 0 });
    expect(result.parquetBytes).toBeGreaterThan(0);
    expect(files()).toEqual({
      jsonl: [],
      parquet: [
        expect.stringMatching(/^records\/dt=2026-11-28\/compacted-[0-9a-f]{16}\.parquet$/),
        expect.stringMatching(/^records\/dt=2026-11-29\/compacted-[0-9a-f]{16}\.parquet$/),
        expect.stringMatching(/^outcomes\/dt=2026-11-28\/compacted-[0-9a-f]{16}\.parquet$/),
      ].sort((a, b) => (String(a) < String(b) ? -1 : 1)) as unknown as string[],
      other: [],
    });
    expect(
      await engine.query('SELECT requestId, dt, servedLatencyMs FROM records ORDER BY requestId', []),
    ).toEqual(before);
    expect(await engine.query('SELECT requestId, converted, dt FROM outcomes', [])).toEqual([
      { requestId: 'a', converted: true, dt: '2026-11-28' },
    ]);
  });

  it('reads Parquet and JSON lines together: the view is their union', async () => {
    const log = writer();
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'compacted' }) }]);
    await rotateWriters();
    await engine.compact();
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'fresh' }) }]);
    expect(files().jsonl).toHaveLength(1);
    expect(files().parquet).toHaveLength(1);
    expect(await engine.query('SELECT requestId, dt FROM records ORDER BY requestId', [])).toEqual([
      { requestId: 'compacted', dt: '2026-11-28' },
      { requestId: 'fresh', dt: '2026-11-28' },
    ]);
    // The current segment is open: compaction leaves it.
    expect(await engine.compact()).toMatchObject({ jsonFiles: 0, parquetFiles: 0 });
  });

  it('keeps one request-lines file per day: a judged line and a copy arriving after their request was compacted, and a late outcome, count as if nothing was compacted', async () => {
    const log = writer();
    const saved = mkdtempSync(join(tmpdir(), 'evidence-saved-'));
    afterCleanup.push(saved);
    const at = DAY0 + 86_400_000;
    // a: replayed on two candidates; its line for the judged candidate (churn-v2) comes later.
    const aOther = recordLine({ requestId: 'a', receivedAtMs: at, candidateEndpoint: 'churn-v3' });
    const aJudged = recordLine({
      requestId: 'a',
      receivedAtMs: at,
      agree: false,
      reason: 'labels differ',
      candidateLabel: 'stay',
    });
    const b = recordLine({ requestId: 'b', receivedAtMs: at + 1000 });
    const c = recordLine({ requestId: 'c', receivedAtMs: at + 2000, candidateEndpoint: 'churn-v3' });
    const first: Lines = { records: [aOther, b, b, c], outcomes: [] };
    const later: Lines = {
      records: [aJudged, b],
      outcomes: [outcomeLine('b', at + 60_000, { converted: true, label: 'churn' })],
    };
    await log.append(asLines(first));
    await rotateWriters();
    await engine.compact();
    const compactedOnce = files().parquet;
    expect(compactedOnce).toHaveLength(1);
    copyFileSync(join(dir, compactedOnce[0] as string), join(saved, 'first.parquet'));

    await log.append(asLines(later));
    const all: Lines = {
      records: [...first.records, ...later.records],
      outcomes: later.outcomes,
    };
    const exact = await uncompacted(all);
    expect(exact).toMatchObject({ records: 3, duplicates: 2 });
    // a (its judged line) and b; c was replayed only on the other candidate.
    expect(exact.shadow.comparisons).toBe(2);
    // Fresh lines of compacted requests are merged with their compacted rows.
    expectSame(await report(), exact);

    await rotateWriters();
    await engine.compact();
    // The day's file was rewritten with the new lines: still one, holding each request once.
    expect(files().jsonl).toEqual([]);
    const records = files().parquet.filter((f) => f.startsWith('records/'));
    expect(records).toHaveLength(1);
    expect(records).not.toEqual(compactedOnce);
    expect(
      await engine.query(
        'SELECT requestId, candidateEndpoint, copies, request_duplicates, first_line FROM request_lines ORDER BY requestId, candidateEndpoint',
        [],
      ),
    ).toEqual([
      { requestId: 'a', candidateEndpoint: 'churn-v2', copies: 1, request_duplicates: 0, first_line: true },
      { requestId: 'a', candidateEndpoint: 'churn-v3', copies: 1, request_duplicates: 0, first_line: false },
      { requestId: 'b', candidateEndpoint: 'churn-v2', copies: 3, request_duplicates: 2, first_line: true },
      { requestId: 'c', candidateEndpoint: 'churn-v3', copies: 1, request_duplicates: 0, first_line: true },
    ]);
    expectSame(await report(), exact);
    // A crash after publishing the rewritten file and before removing the one it replaces: both
    // hold requests a, b and c; the reader skips the replaced one (named in the new one's sources).
    copyFileSync(join(saved, 'first.parquet'), join(dir, compactedOnce[0] as string));
    expect(files().parquet.filter((f) => f.startsWith('records/'))).toHaveLength(2);
    expectSame(await report(), exact);
    expect(await engine.compact()).toMatchObject({ rolledForward: 1 });
    expect(files().parquet.filter((f) => f.startsWith('records/'))).toEqual(records);
    // An outcome posted once everything is compacted still joins.
    await log.append([
      { kind: 'outcome', line: outcomeLine('a', at + 120_000, { converted: false, label: 'stay' }) },
    ]);
    const withLateOutcome = await uncompacted({
      ...all,
      outcomes: [...all.outcomes, outcomeLine('a', at + 120_000, { converted: false, label: 'stay' })],
    });
    expect(withLateOutcome.outcomes).toEqual({ converted: 2, labelled: 2, withValue: 0 });
    expectSame(await report(), withLateOutcome);
  });

  it('deduplicates a burst in passes of a few lines: every request, replayed on two candidates and duplicated, counted once', async () => {
    const log = writer();
    const at = DAY0 + 86_400_000;
    const records = Array.from({ length: 30 }, (_, i) => [
      recordLine({ requestId: `q${i}`, receivedAtMs: at + i }),
      recordLine({ requestId: `q${i}`, receivedAtMs: at + i, candidateEndpoint: 'churn-v3' }),
    ]).flat();
    const lines: Lines = { records: [...records, ...records.slice(0, 20)], outcomes: [] };
    const exact = await uncompacted(lines);
    expect(exact).toMatchObject({ records: 30, duplicates: 20 });
    await log.append(asLines(lines));
    await rotateWriters();
    // 80 lines, 3 per pass: 27 passes, each holding whole requests.
    await engine.compact({ linesPerPass: 3 });
    expect(files().jsonl).toEqual([]);
    expect(await engine.query('SELECT count(*) AS n FROM request_lines WHERE first_line', [])).toEqual([
      { n: 30 },
    ]);
    expectSame(await report(), exact);
  });

  it('reads and rewrites a records Parquet file of the earlier layout (raw lines, duplicates included)', async () => {
    const log = writer();
    const lines: Lines = {
      records: [
        recordLine({ requestId: 'a', receivedAtMs: DAY0 + 86_400_000 }),
        recordLine({ requestId: 'a', receivedAtMs: DAY0 + 86_400_000 }),
        recordLine({ requestId: 'b', receivedAtMs: DAY0 + 86_400_000 }),
      ],
      outcomes: [],
    };
    const exact = await uncompacted(lines);
    expect(exact).toMatchObject({ records: 2, duplicates: 1 });
    await log.append(asLines(lines));
    await rotateWriters();
    // What compaction wrote before request lines: the lines as they were, no layout.
    const folder = join(dir, 'records', 'dt=2026-11-29');
    const [json] = readdirSync(folder);
    await engine.query(
      `COPY (SELECT * EXCLUDE (dt) FROM records) TO '${join(folder, 'compacted-00000000000000aa.parquet')}' (FORMAT parquet, KV_METADATA {sources: '${json}'})`,
      [],
    );
    rmSync(join(folder, json as string));
    expectSame(await report(), exact);
    expect(await engine.compact()).toMatchObject({ parquetFiles: 1, mergedFiles: 1 });
    expect(await engine.query('SELECT count(*) AS n FROM request_lines', [])).toEqual([{ n: 2 }]);
    expectSame(await report(), exact);
  });

  it('after a crash between publishing the Parquet file and removing its sources, reads the lines once (the Parquet file names its sources), and the next run removes the sources', async () => {
    const log = writer();
    const at = DAY0 + 86_400_000;
    const lines: Lines = {
      records: [
        recordLine({ requestId: 'a', receivedAtMs: at }),
        recordLine({
          requestId: 'b',
          receivedAtMs: at,
          agree: false,
          reason: 'labels differ',
          candidateLabel: 'stay',
        }),
      ],
      outcomes: [outcomeLine('a', at + 60_000, { converted: true, label: 'churn' })],
    };
    await log.append(asLines(lines));
    await rotateWriters();
    const sources = files().jsonl;
    const saved = mkdtempSync(join(tmpdir(), 'evidence-sources-'));
    try {
      for (const [i, source] of sources.entries()) copyFileSync(join(dir, source), join(saved, String(i)));
      const exact = await uncompacted(lines);
      expect(exact.records).toBe(2);
      await engine.compact();
      // The state a crash leaves after the rename and before the removal: both copies present.
      for (const [i, source] of sources.entries()) copyFileSync(join(saved, String(i)), join(dir, source));
      expect(files().jsonl).toEqual(sources);
      expectSame(await report(), exact);

      const next = await engine.compact();
      expect(next).toMatchObject({ rolledForward: sources.length, jsonFiles: 0, parquetFiles: 0 });
      expect(files().jsonl).toEqual([]);
      expectSame(await report(), exact);
    } finally {
      rmSync(saved, { recursive: true, force: true });
    }
  });

  it('ignores a Parquet file a crash left half-written under its temporary name, and removes it', async () => {
    const log = writer();
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'a' }) }]);
    const folder = join(dir, 'records', 'dt=2026-11-28');
    writeFileSync(join(folder, '.compacted-0123456789abcdef.parquet.tmp'), 'PAR1 cut short');
    expect(await engine.query('SELECT count(*) AS n FROM records', [])).toEqual([{ n: 1 }]);
    await rotateWriters();
    await engine.compact();
    expect(files().other).toEqual([]);
    expect(await engine.query('SELECT count(*) AS n FROM records', [])).toEqual([{ n: 1 }]);
  });

  it('loses nothing appended while it runs (appends go to the next segment)', async () => {
    const log = writer();
    const first = Array.from({ length: 300 }, (_, i) => recordLine({ requestId: `early-${i}` }));
    await log.append(first.map((line) => ({ kind: 'record' as const, line })));
    await rotateWriters();
    const late = Array.from({ length: 300 }, (_, i) => recordLine({ requestId: `late-${i}` }));
    // One compaction and 30 appends in flight together.
    const [compaction] = await Promise.all([
      engine.compact(),
      ...Array.from({ length: 30 }, (_, batch) =>
        log.append(
          late.slice(batch * 10, batch * 10 + 10).map((line) => ({ kind: 'record' as const, line })),
        ),
      ),
    ]);
    expect(compaction).toMatchObject({ jsonFiles: 1, parquetFiles: 1 });
    const counted = await engine.query(
      'SELECT count(*) AS lines, count(DISTINCT requestId) AS requests FROM records',
      [],
    );
    expect(counted).toEqual([{ lines: 600, requests: 600 }]);
    await rotateWriters();
    await engine.compact();
    expect(await engine.query('SELECT count(*) AS lines FROM records', [])).toEqual([{ lines: 600 }]);
  });

  it('runs once at a time per log: a second compaction meanwhile does nothing', async () => {
    const log = writer();
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'a' }) }]);
    await rotateWriters();
    const other = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
    try {
      const results = await Promise.all([engine.compact(), other.compact()]);
      expect(results.map((r) => r.skipped).sort()).toEqual([false, true]);
      expect(await engine.query('SELECT count(*) AS n FROM records', [])).toEqual([{ n: 1 }]);
    } finally {
      other.close();
    }
  });

  it('takes files of writers in no running process once quiet, and of another running process or thread only the segments it has left', async () => {
    const folder = join(dir, 'records', 'dt=2026-11-28');
    const line = (id: string) => `${JSON.stringify(recordLine({ requestId: id }))}\n`;
    const deadPid = 4_194_301; // above Linux's default pid_max: no such process
    const livePid = process.ppid;
    const log = writer();
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'mine' }) }]);
    writeFileSync(join(folder, `part-k0-${deadPid}-abcdef-0.jsonl`), line('dead-old'));
    writeFileSync(join(folder, `part-k1-${deadPid}-abcdef-0.jsonl`), line('dead-recent'));
    writeFileSync(join(folder, `part-k2-${livePid}-abcdef-0.jsonl`), line('live-left'));
    writeFileSync(join(folder, `part-k2-${livePid}-abcdef-1.jsonl`), line('live-current'));
    writeFileSync(join(folder, 'copied-by-hand.jsonl'), line('no-writer'));
    // Writers of another thread of this process (local mode's shadow path): not in this thread's
    // registry, so treated like another process's.
    const pid = process.pid;
    writeFileSync(join(folder, `part-k3-${pid}-abcdef-0.jsonl`), line('thread-current'));
    writeFileSync(join(folder, `part-k4-${pid}-abcdef-0.jsonl`), line('thread-left'));
    writeFileSync(join(folder, `part-k4-${pid}-abcdef-1.jsonl`), line('thread-next'));
    const old = (Date.now() - 3_600_000) / 1000;
    for (const name of [
      `part-k0-${deadPid}-abcdef-0.jsonl`,
      `part-k2-${livePid}-abcdef-0.jsonl`,
      `part-k2-${livePid}-abcdef-1.jsonl`,
      'copied-by-hand.jsonl',
      `part-k3-${pid}-abcdef-0.jsonl`,
      `part-k4-${pid}-abcdef-0.jsonl`,
      `part-k4-${pid}-abcdef-1.jsonl`,
    ])
      utimesSync(join(folder, name), old, old);

    const result = await engine.compact({ quietMs: 60_000 });
    expect(result.jsonFiles).toBe(4);
    expect(
      readdirSync(folder)
        .filter((n) => n.endsWith('.jsonl'))
        .sort(),
    ).toEqual(
      [
        `part-k1-${deadPid}-abcdef-0.jsonl`, // not quiet yet
        `part-k2-${livePid}-abcdef-1.jsonl`, // its writer may still append
        `part-k3-${pid}-abcdef-0.jsonl`, // another thread's current segment
        `part-k4-${pid}-abcdef-1.jsonl`, // likewise
        `part-${log.writer}-0.jsonl`, // this thread's writer, current segment
      ].sort(),
    );
    expect(await engine.query('SELECT count(*) AS n FROM records', [])).toEqual([{ n: 9 }]);
  });

  it("takes of a writer in another thread of this process (local mode's worker) only the segments it has left", async () => {
    const folder = join(dir, 'records', 'dt=2026-11-28');
    const line = (id: string) => `${JSON.stringify(recordLine({ requestId: id }))}\n`;
    // Named as JsonLinesEvidenceLog names its files: this pid, a writer this thread never created.
    const otherThread = `k3-${process.pid}-fedcba`;
    const log = writer();
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'mine' }) }]);
    writeFileSync(join(folder, `part-${otherThread}-0.jsonl`), line('other-thread-left'));
    writeFileSync(join(folder, `part-${otherThread}-1.jsonl`), line('other-thread-current'));
    const old = (Date.now() - 3_600_000) / 1000;
    for (const segment of [0, 1]) utimesSync(join(folder, `part-${otherThread}-${segment}.jsonl`), old, old);

    await engine.compact({ quietMs: 60_000 });

    const left = readdirSync(folder).filter((n) => n.endsWith('.jsonl'));
    // Its current segment stays: that thread may still append to it.
    expect(left).toContain(`part-${otherThread}-1.jsonl`);
    expect(left).not.toContain(`part-${otherThread}-0.jsonl`);
    expect(await engine.query('SELECT count(*) AS n FROM records', [])).toEqual([{ n: 3 }]);
  });

  it('runs in local mode at start and then on its timer, closing due segments first, never two runs at once', async () => {
    const log = writer();
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'before-start' }) }]);
    const results: CompactionResult[] = [];
    let firstRun!: () => void;
    const ranOnce = new Promise<void>((resolve) => {
      firstRun = resolve;
    });
    // minBytes 1: any written segment is due.
    const schedule = scheduleCompaction(engine, {
      everyMs: 3_600_000,
      rotation: { minBytes: 1 },
      onCompacted: (result) => {
        results.push(result);
        firstRun();
      },
    });
    try {
      await ranOnce;
      expect(results).toEqual([expect.objectContaining({ jsonFiles: 1, parquetFiles: 1 })]);
      expect(files().jsonl).toEqual([]);
      expect(await engine.query('SELECT requestId FROM records', [])).toEqual([
        { requestId: 'before-start' },
      ]);
    } finally {
      await schedule.stop();
    }
  });
});

describe('segments of the JSON-lines writer', () => {
  it('moves on to a new segment by size and by age, and lines of old segments stay where they were', async () => {
    const root = mkdtempSync(join(tmpdir(), 'evidence-segments-'));
    const bySize = new JsonLinesEvidenceLog(root, { segmentBytes: 1 });
    const byAge = new JsonLinesEvidenceLog(root, { segmentMaxAgeMs: 0 });
    try {
      for (const log of [bySize, byAge]) {
        await log.append([{ kind: 'record', line: recordLine({ requestId: `${log.writer}-1` }) }]);
        await log.append([{ kind: 'record', line: recordLine({ requestId: `${log.writer}-2` }) }]);
      }
      const names = readdirSync(join(root, 'records', 'dt=2026-11-28')).sort();
      expect(names).toEqual(
        [
          `part-${bySize.writer}-0.jsonl`,
          `part-${bySize.writer}-1.jsonl`,
          `part-${byAge.writer}-0.jsonl`,
          `part-${byAge.writer}-1.jsonl`,
        ].sort(),
      );
      expect(bySize.segment).toBe(2);
      expect(byAge.segment).toBe(1);
    } finally {
      await bySize.close();
      await byAge.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the compaction schedule', () => {
  afterEach(() => jest.useRealTimers());

  it('repeats every interval without overlapping runs, and stop waits for the run under way', async () => {
    jest.useFakeTimers();
    let active = 0;
    let most = 0;
    let runs = 0;
    const releases: (() => void)[] = [];
    const target = {
      compact: async (): Promise<CompactionResult> => {
        active += 1;
        most = Math.max(most, active);
        runs += 1;
        await new Promise<void>((resolve) => releases.push(resolve));
        active -= 1;
        return {
          skipped: false,
          jsonFiles: 0,
          jsonBytes: 0,
          parquetFiles: 0,
          parquetBytes: 0,
          mergedFiles: 0,
          rolledForward: 0,
          ms: 0,
        };
      },
    };
    const schedule = scheduleCompaction(target, { everyMs: 1000 });
    const settle = async () => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
    };
    await settle();
    expect(runs).toBe(1);
    // Two intervals pass while the first run is still under way: they queue, they do not overlap.
    jest.advanceTimersByTime(2000);
    await settle();
    expect(runs).toBe(1);
    releases.shift()?.();
    await settle();
    expect(runs).toBe(2);
    let stopped = false;
    const stopping = schedule.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    releases.shift()?.();
    await stopping;
    // The run queued before stop does not start.
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });
});
