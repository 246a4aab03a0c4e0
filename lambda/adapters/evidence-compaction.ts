import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ColumnType, OUTCOME_COLUMNS, RECORD_COLUMNS } from '../core/evidence/log-schema';
import {
  closedWriterIds,
  currentSegments,
  EVIDENCE_FOLDERS,
  type EvidenceRelation,
  parsePartFileName,
  type RotationPolicy,
  rotateWriters,
} from './evidence-log-files';

/**
 * Compaction of the local evidence log: closed JSON-lines part files become Parquet in the same
 * `dt=` folder, with the same columns (`dt` stays the folder). Records: one file per day, its
 * lines deduplicated per request and candidate (`requestLinesOf`), rewritten with each batch of
 * new lines for the day, so a request's rows are always in one file. Outcomes: one file per run.
 * Reports then read the few columns they use instead of parsing every line (DuckDB's views read
 * the Parquet files and the JSON lines not yet compacted: docs/evidence-log.md).
 *
 * Safe at every step, without a lock shared with the writers:
 * - only closed files are taken (a segment its writer has left, or a file of a writer no longer
 *   running, unchanged for `quietMs`), and a closed file never changes again;
 * - the Parquet file is written under a temporary name, flushed to disk, then renamed into place
 *   (atomic): readers see all of it or none of it;
 * - it names its sources in its own metadata (`sources`, comma-separated file names), so the JSON files are removed only
 *   after it is durable, and a run that stopped in between (crash, kill) is finished by the next
 *   one (sources still present are removed; their lines are in the Parquet file);
 * - between the rename and the removal both are present: readers skip the sources a present
 *   Parquet file names (duckdb-analysis.ts), so nothing is read twice, and nothing is ever lost;
 * - one compaction at a time per log (`.compaction.lock`, taken over from a dead holder), and the
 *   Parquet file's name is a hash of its sources, so a repeated run writes the same file.
 * Small outcome Parquet files of one day are merged once there are more than `maxFilesPerDay`.
 */

export interface CompactionOptions {
  /** How long a file of a writer that is not in this process must be unchanged. @default 60 s */
  readonly quietMs?: number;
  /** Outcome Parquet files per day before they are merged into one (records keep one). @default 4 */
  readonly maxFilesPerDay?: number;
  /** New record lines deduplicated in one pass (memory bound). @default LINES_PER_PASS */
  readonly linesPerPass?: number;
  readonly now?: () => number;
}

export interface CompactionResult {
  /** Another compaction of this log was running: nothing done. */
  readonly skipped: boolean;
  /** JSON-lines files turned into Parquet (and removed), and their bytes. */
  readonly jsonFiles: number;
  readonly jsonBytes: number;
  /** Parquet files written, and their bytes. */
  readonly parquetFiles: number;
  readonly parquetBytes: number;
  /** Parquet files merged into larger ones (and removed). */
  readonly mergedFiles: number;
  /** Sources of an interrupted run found still present, and removed. */
  readonly rolledForward: number;
  readonly ms: number;
}

/** Runs one SQL statement (DuckDB) and returns its rows. */
export type RunSql = (sql: string) => Promise<readonly Record<string, unknown>[]>;

const PARQUET = /^compacted-[0-9a-f]{16}\.parquet$/;
const TEMPORARY = /^\.compacted-[0-9a-f]{16}(\.[a-z0-9]+)?\.parquet\.tmp$/;
const LOCK_FILE = '.compaction.lock';

/** A text as a SQL string literal (file paths in DuckDB statements). */
export const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

export function columnsOf(relation: EvidenceRelation): Readonly<Record<string, ColumnType>> {
  return relation === 'records' ? RECORD_COLUMNS : OUTCOME_COLUMNS;
}

/** `read_json` of the log's JSON lines with the schema's columns (a cut-short line: skipped). */
export function readJsonLines(
  files: string | readonly string[],
  relation: EvidenceRelation,
  moreOptions = '',
): string {
  const spec = Object.entries(columnsOf(relation))
    .map(([name, type]) => `${name}: '${type}'`)
    .join(', ');
  const source = typeof files === 'string' ? quote(files) : `[${files.map(quote).join(', ')}]`;
  // ignore_errors: a line cut short by a killed writer reads as nulls instead of failing; without
  // a request id it is no line of the log.
  const more = moreOptions ? `, ${moreOptions}` : '';
  return `read_json(${source}, format = 'newline_delimited', columns = {${spec}}, ignore_errors = true${more})`;
}

export async function compactEvidenceLog(
  root: string,
  runSql: RunSql,
  options: CompactionOptions = {},
): Promise<CompactionResult> {
  const started = Date.now();
  const totals = {
    jsonFiles: 0,
    jsonBytes: 0,
    parquetFiles: 0,
    parquetBytes: 0,
    mergedFiles: 0,
    rolledForward: 0,
  };
  if (!existsSync(root)) return { skipped: false, ...totals, ms: Date.now() - started };
  const release = await lock(root);
  if (release === undefined) return { skipped: true, ...totals, ms: Date.now() - started };
  try {
    const now = (options.now ?? Date.now)();
    const quietMs = options.quietMs ?? 60_000;
    const maxFilesPerDay = options.maxFilesPerDay ?? 4;
    const linesPerPass = options.linesPerPass ?? LINES_PER_PASS;
    const folders = dayFolders(root);
    const laterSegment = latestSegments(folders);
    const live = currentSegments();
    for (const { relation, folder } of folders) {
      totals.rolledForward += await rollForward(folder, runSql);
      const entries = await readdir(folder);
      for (const name of entries.filter((n) => TEMPORARY.test(n))) await unlink(join(folder, name));
      const closed: string[] = [];
      for (const name of entries.filter((n) => n.endsWith('.jsonl')).sort()) {
        const info = await stat(join(folder, name)).catch(() => undefined);
        if (info === undefined) continue;
        if (isClosed(name, info.mtimeMs, { now, quietMs, live, laterSegment })) {
          closed.push(name);
          totals.jsonBytes += info.size;
        }
      }
      const parquets = entries.filter((n) => PARQUET.test(n)).sort();
      const merge =
        relation === 'records'
          ? // One request-lines file per day: a request's rows are all in one file (see above).
            closed.length > 0 ||
            parquets.length > 1 ||
            (parquets.length === 1 &&
              !(await isRequestLinesFile(join(folder, parquets[0] as string), runSql)))
            ? parquets
            : []
          : parquets.length + (closed.length > 0 ? 1 : 0) > maxFilesPerDay
            ? parquets
            : [];
      if (closed.length === 0 && merge.length === 0) continue;
      const written = await writeParquet(folder, relation, closed, merge, runSql, linesPerPass);
      totals.jsonFiles += closed.length;
      totals.parquetFiles += 1;
      totals.parquetBytes += written;
      totals.mergedFiles += merge.length;
      // Only now, with the Parquet file durable, its sources go.
      await removeAll(folder, [...closed, ...merge]);
    }
    return { skipped: false, ...totals, ms: Date.now() - started };
  } finally {
    await release();
  }
}

interface DayFolder {
  readonly relation: EvidenceRelation;
  readonly folder: string;
}

function dayFolders(root: string): DayFolder[] {
  const found: DayFolder[] = [];
  for (const relation of Object.values(EVIDENCE_FOLDERS)) {
    const base = join(root, relation);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name.startsWith('dt='))
        found.push({ relation, folder: join(base, entry.name) });
    }
  }
  return found.sort((a, b) => (a.folder < b.folder ? -1 : 1));
}

/** The highest segment seen on disk per writer: a lower one is one its writer has left. */
function latestSegments(folders: readonly DayFolder[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const { folder } of folders) {
    for (const name of readdirSync(folder)) {
      const part = parsePartFileName(name);
      if (part !== undefined) latest.set(part.writer, Math.max(latest.get(part.writer) ?? 0, part.segment));
    }
  }
  return latest;
}

function isClosed(
  name: string,
  mtimeMs: number,
  context: {
    readonly now: number;
    readonly quietMs: number;
    readonly live: ReadonlyMap<string, number>;
    readonly laterSegment: ReadonlyMap<string, number>;
  },
): boolean {
  const quiet = context.now - mtimeMs >= context.quietMs;
  const part = parsePartFileName(name);
  if (part === undefined) return quiet;
  const current = context.live.get(part.writer);
  // A writer of this thread: its older segments are final (rotateWriters waited for them).
  if (current !== undefined) return part.segment < current;
  // A writer of this thread that was closed: final.
  if (closedWriterIds().has(part.writer)) return true;
  // A writer no longer running.
  if (part.pid !== process.pid && !running(part.pid)) return quiet;
  // A writer of another running process (e.g. `npm start` while the CLI compacts) or of another
  // thread of this one (local mode's shadow path): only the segments it has left (it moves on
  // by size and by age).
  return quiet && part.segment < (context.laterSegment.get(part.writer) ?? part.segment);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Finishes a run that stopped between publishing a Parquet file and removing its sources. */
async function rollForward(folder: string, runSql: RunSql): Promise<number> {
  const names = readdirSync(folder);
  const parquets = names.filter((n) => PARQUET.test(n));
  // A source can only be left over beside another file: a lone Parquet file is done.
  if (parquets.length === 0 || (parquets.length === 1 && names.length === 1)) return 0;
  const present = new Set(names);
  let removed = 0;
  for (const parquet of parquets) {
    // Itself a leftover of a later file, removed just now.
    if (!present.has(parquet)) continue;
    const sources = await sourcesOf(join(folder, parquet), runSql);
    const leftover = sources.filter((source) => present.has(source) && source !== parquet);
    await removeAll(folder, leftover);
    for (const source of leftover) present.delete(source);
    removed += leftover.length;
  }
  return removed;
}

async function sourcesOf(file: string, runSql: RunSql): Promise<string[]> {
  const rows = await runSql(
    `SELECT CAST(value AS VARCHAR) AS sources FROM parquet_kv_metadata(${quote(file)}) WHERE CAST(key AS VARCHAR) = 'sources'`,
  );
  const text = rows[0]?.sources;
  return typeof text === 'string' && text !== '' ? text.split(',') : [];
}

/** Writes the sources' lines as one Parquet file, durably; returns its size. */
async function writeParquet(
  folder: string,
  relation: EvidenceRelation,
  jsonFiles: readonly string[],
  parquetFiles: readonly string[],
  runSql: RunSql,
  linesPerPass: number,
): Promise<number> {
  const sources = [...parquetFiles, ...jsonFiles];
  const id = createHash('sha256').update(sources.join('\n')).digest('hex').slice(0, 16);
  const temporary = join(folder, `.compacted-${id}.parquet.tmp`);
  const final = join(folder, `compacted-${id}.parquet`);
  const metadata = `KV_METADATA {sources: ${quote(sources.join(','))}${relation === 'records' ? `, layout: '${REQUEST_LINES_LAYOUT}'` : ''}}`;
  if (relation === 'records') {
    await writeRequestLines(
      folder,
      id,
      { jsonFiles, parquetFiles, linesPerPass },
      runSql,
      temporary,
      metadata,
    );
  } else {
    const parts: string[] = [];
    if (parquetFiles.length > 0) parts.push(readParquet(folder, parquetFiles, relation, ''));
    if (jsonFiles.length > 0) parts.push(readJson(folder, jsonFiles, relation, ''));
    await runSql(
      `COPY (${parts.join(' UNION ALL ')}) TO ${quote(temporary)} (FORMAT parquet, COMPRESSION zstd, ${metadata})`,
    );
  }
  await syncFile(temporary);
  await rename(temporary, final);
  await syncFile(folder);
  return (await stat(final)).size;
}

const castColumns = (relation: EvidenceRelation) =>
  Object.entries(columnsOf(relation))
    .map(([name, type]) => `CAST(${name} AS ${type}) AS ${name}`)
    .join(', ');
const readParquet = (folder: string, files: readonly string[], relation: EvidenceRelation, more: string) =>
  `SELECT ${castColumns(relation)}${more} FROM read_parquet([${files.map((f) => quote(join(folder, f))).join(', ')}], union_by_name = true)`;
const readJson = (folder: string, files: readonly string[], relation: EvidenceRelation, more: string) =>
  `SELECT ${castColumns(relation)}${more} FROM ${readJsonLines(
    files.map((f) => join(folder, f)),
    relation,
  )} WHERE requestId IS NOT NULL`;

/** New lines deduplicated at once: the hash of one pass stays well within a 256 MB cap. */
export const LINES_PER_PASS = 100_000;

/**
 * A day's records as one request-lines file, in memory bounded by the new lines, not the day:
 * 1. the new lines (JSON, and Parquet files of the earlier layout) are copied as they are into a
 *    temporary Parquet file (streaming);
 * 2. the existing request-lines rows of requests without new lines are copied as they are;
 * 3. the rows of requests with new lines (new and existing) are deduplicated again, in passes of
 *    at most `linesPerPass` new lines split by a hash of the request id (all rows of a request
 *    in one pass), each into a temporary file;
 * 4. the parts are concatenated into the day's file.
 */
async function writeRequestLines(
  folder: string,
  id: string,
  {
    jsonFiles,
    parquetFiles,
    linesPerPass,
  }: { jsonFiles: readonly string[]; parquetFiles: readonly string[]; linesPerPass: number },
  runSql: RunSql,
  temporary: string,
  metadata: string,
): Promise<void> {
  const layouts = await Promise.all(
    parquetFiles.map(async (f) => ({ f, lines: await isRequestLinesFile(join(folder, f), runSql) })),
  );
  const existing = layouts.filter((l) => l.lines).map((l) => l.f);
  const legacy = layouts.filter((l) => !l.lines).map((l) => l.f);
  const part = (name: string) => join(folder, `.compacted-${id}.${name}.parquet.tmp`);
  const written: string[] = [];
  const copy = async (select: string, file: string) => {
    await runSql(`COPY (${select}) TO ${quote(file)} (FORMAT parquet, COMPRESSION zstd)`);
    written.push(file);
  };
  try {
    const copiesOne = ', CAST(1 AS BIGINT) AS copies';
    const incomingParts = [
      ...(legacy.length > 0 ? [readParquet(folder, legacy, 'records', copiesOne)] : []),
      ...(jsonFiles.length > 0 ? [readJson(folder, jsonFiles, 'records', copiesOne)] : []),
    ];
    const names = Object.keys(RECORD_COLUMNS).join(', ');
    const extra = Object.keys(REQUEST_LINE_EXTRA).join(', ');
    const existingRows = `SELECT * FROM read_parquet([${existing.map((f) => quote(join(folder, f))).join(', ')}])`;
    let incoming = `SELECT ${castColumns('records')}${copiesOne} WHERE false`;
    let incomingLines = 0;
    if (incomingParts.length > 0) {
      const raw = part('incoming');
      await copy(incomingParts.join(' UNION ALL '), raw);
      incoming = `SELECT * FROM read_parquet(${quote(raw)})`;
      incomingLines = Number(
        (await runSql(`SELECT count(*) AS n FROM read_parquet(${quote(raw)})`))[0]?.n ?? 0,
      );
    }
    const incomingIds = `SELECT requestId FROM (${incoming}) i`;
    if (existing.length > 0)
      await copy(
        `SELECT ${names}, ${extra} FROM (${existingRows}) e WHERE requestId NOT IN (${incomingIds})`,
        part('kept'),
      );
    const touched = `${existing.length > 0 ? `SELECT ${names}, copies FROM (${existingRows}) e WHERE requestId IN (${incomingIds}) UNION ALL ` : ''}SELECT ${names}, copies FROM (${incoming}) n`;
    const passes = Math.ceil(incomingLines / linesPerPass);
    for (let pass = 0; pass < passes; pass++) {
      const lines =
        passes === 1 ? touched : `SELECT * FROM (${touched}) t WHERE hash(requestId) % ${passes} = ${pass}`;
      await copy(requestLinesOf(lines), part(`pass${pass}`));
    }
    const parts = written.filter((file) => file !== part('incoming'));
    const body =
      parts.length > 0
        ? `SELECT ${names}, ${extra} FROM read_parquet([${parts.map(quote).join(', ')}])`
        : requestLinesOf(incoming);
    await runSql(`COPY (${body}) TO ${quote(temporary)} (FORMAT parquet, COMPRESSION zstd, ${metadata})`);
  } finally {
    for (const file of written) await unlink(file).catch(() => undefined);
  }
}

/** The `layout` of a records Parquet file deduplicated per request and candidate. */
export const REQUEST_LINES_LAYOUT = 'request-lines';

/** Columns a request-lines file has beyond the log's (see `requestLinesOf`). */
export const REQUEST_LINE_EXTRA = {
  copies: 'BIGINT',
  request_duplicates: 'BIGINT',
  candidates: 'VARCHAR[]',
  first_line: 'BOOLEAN',
} as const;

/**
 * The records of one day as request lines: one row per request and candidate (copies of a line
 * are copies of one DynamoDB item: any one stands for all, `copies` counts them), each row with
 * what a report needs to pick one row per request without grouping every request again:
 * `candidates` (the request's candidate keys, '' for a line without a replay), `first_line`
 * (exactly one row of each request) and `request_duplicates` (lines of the request beyond one
 * per key). Valid because the day's rows of a request are all in this one file.
 */
function requestLinesOf(lines: string): string {
  const others = Object.keys(RECORD_COLUMNS).filter((name) => name !== 'requestId');
  const names = Object.keys(RECORD_COLUMNS).join(', ');
  return `WITH raw AS (${lines}),
deduplicated AS (
  SELECT requestId, COALESCE(candidateEndpoint, '') AS candidate_key,
    ${others.map((name) => `arbitrary(${name}) AS ${name}`).join(', ')},
    CAST(SUM(raw.copies) AS BIGINT) AS copies
  FROM raw
  GROUP BY requestId, COALESCE(candidateEndpoint, '')
)
SELECT ${names}, copies,
  CAST(SUM(copies) OVER request - COUNT(*) OVER request AS BIGINT) AS request_duplicates,
  list(candidate_key) OVER request AS candidates,
  row_number() OVER (PARTITION BY requestId ORDER BY candidate_key) = 1 AS first_line
FROM deduplicated
WINDOW request AS (PARTITION BY requestId)`;
}

/** Whether a records Parquet file has the request-lines layout (else: raw lines, earlier). */
export async function isRequestLinesFile(file: string, runSql: RunSql): Promise<boolean> {
  const rows = await runSql(
    `SELECT CAST(value AS VARCHAR) AS layout FROM parquet_kv_metadata(${quote(file)}) WHERE CAST(key AS VARCHAR) = 'layout'`,
  );
  return rows[0]?.layout === REQUEST_LINES_LAYOUT;
}

async function removeAll(folder: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await unlink(join(folder, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  if (names.length > 0) await syncFile(folder);
}

/** fsync a file or a folder (the folder: so a rename or removal in it survives a power cut). */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Takes the log's compaction lock, or undefined if a running process holds it. */
async function lock(root: string): Promise<(() => Promise<void>) | undefined> {
  const file = join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => unlink(file).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = 0;
      let ageMs = 0;
      try {
        holder = Number(readFileSync(file, 'utf8').trim());
        ageMs = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue; // released meanwhile: try again
      }
      if (Number.isInteger(holder) && holder > 0 && running(holder)) return undefined;
      // Just created by a compaction that has not written its pid yet.
      if (!(holder > 0) && ageMs < 60_000) return undefined;
      // Left by a process that died while compacting: its run is finished by this one.
      await unlink(file).catch(() => undefined);
    }
  }
  return undefined;
}

export interface CompactionSchedule {
  /** Stops the timer; resolves once a run under way has finished. */
  stop(): Promise<void>;
}

export interface CompactionScheduleOptions {
  /** Between runs. @default 5 minutes */
  readonly everyMs?: number;
  /**
   * Which writers' current segments a run closes first. @default 8 MB or 30 minutes old: a
   * report reads at most that much JSON per writer, and a day's Parquet files are rewritten
   * (merged) at most every few runs.
   */
  readonly rotation?: RotationPolicy;
  readonly compaction?: CompactionOptions;
  readonly onCompacted?: (result: CompactionResult) => void;
  readonly onError?: (error: unknown) => void;
}

/** How often local mode compacts, and closes its writers' due segments (every thread's). */
export const COMPACTION_EVERY_MS = 5 * 60_000;
/** A segment is closed once it holds this many bytes or is this old. */
export const DEFAULT_ROTATION: RotationPolicy = { minBytes: 8 * 1024 * 1024, maxAgeMs: 30 * 60_000 };

/**
 * Local mode's compaction: a run at start (files left by earlier runs of the process) and then on
 * a timer, each closing this process's due segments and compacting what is closed. Runs never
 * overlap; a failed run is reported and the next one tries again (nothing is removed before its
 * Parquet file is durable).
 */
export function scheduleCompaction(
  target: { compact(options?: CompactionOptions): Promise<CompactionResult> },
  options: CompactionScheduleOptions = {},
): CompactionSchedule {
  const everyMs = options.everyMs ?? COMPACTION_EVERY_MS;
  const rotation = options.rotation ?? DEFAULT_ROTATION;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await rotateWriters(rotation);
        const result = await target.compact(options.compaction);
        options.onCompacted?.(result);
      } catch (error) {
        options.onError?.(error);
      }
    });
  };
  run();
  const timer = setInterval(run, everyMs);
  // The schedule alone must not keep a process alive.
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
