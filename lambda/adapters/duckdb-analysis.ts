import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { evidenceMemoryMb } from '../configuration/function-settings';
import { ServiceUnavailableError } from '../core/errors';
import type { ExperimentSlice, RequestsSource } from '../core/evidence/sql/experiment-aggregates.sql';
import { AnalysisDeadlineError, type AnalysisEngine } from '../use-cases/ports/evidence';
import { type ExperimentRows, experimentRowsByDay, type RecordDay } from './duckdb-day-partials';
import {
  type CompactionOptions,
  type CompactionResult,
  columnsOf,
  compactEvidenceLog,
  quote,
  REQUEST_LINE_EXTRA,
  REQUEST_LINES_LAYOUT,
  readJsonLines,
} from './evidence-compaction';
import { EVIDENCE_FOLDERS, type EvidenceRelation, rotateWriters } from './evidence-log-files';

export interface DuckDbOptions {
  /** Most memory DuckDB may hold before spilling to `tempDirectory`. @default the setting's (256 MB) */
  readonly memoryLimit?: string;
  /** @default 2 */
  readonly threads?: number;
  /** Where large aggregations spill. @default <logDir>/.duckdb-tmp */
  readonly tempDirectory?: string;
}

/** A progress report while a query runs: the share of rows read so far (0..1), when known. */
export type QueryProgress = (fraction: number) => void;

const PROGRESS_INTERVAL_MS = 250;
const EVIDENCE_MEMORY_ENV = `${evidenceMemoryMb.env}=<MB> for the functions`;

/** The log's files a query reads now, by kind (absolute paths). */
interface LogFiles {
  /** Records Parquet files deduplicated per request and candidate (evidence-compaction.ts). */
  readonly requestLines: string[];
  /** Records Parquet files of the earlier layout (raw lines) and records JSON lines. */
  readonly rawRecordsParquet: string[];
  readonly recordsJson: string[];
  readonly outcomesParquet: string[];
  readonly outcomesJson: string[];
}

/** What a Parquet file's metadata says (its name is a hash of its sources: it never changes). */
interface ParquetInfo {
  readonly sources: readonly string[];
  readonly requestLines: boolean;
}

/**
 * The evidence log's analysis engine in local mode and tests: DuckDB, embedded, reading the log
 * in place through views `records` and `outcomes`: the compacted Parquet files and the JSON
 * lines not yet compacted (explicit columns, `dt` from the folder names). Each query runs on its
 * own connection, so a deadline interrupts only it.
 */
export class DuckDbAnalysisEngine implements AnalysisEngine {
  /** Compacted records are read per request (`request_lines`): see `RequestsSource`. */
  readonly requestsSource: RequestsSource = 'compacted';
  /** The file lists the views were last defined with. */
  private viewsOf: string | undefined;
  private readonly parquetInfo = new Map<string, ParquetInfo>();
  /**
   * One query at a time: each already uses every thread, and two at once hold two sets of scan
   * buffers (the peak memory a laptop notices). Also keeps view definitions, which are catalog
   * writes, from conflicting.
   */
  private turn: Promise<void> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly logDir: string,
    private readonly memoryLimit: string,
  ) {}

  static async open(logDir: string, options: DuckDbOptions = {}): Promise<DuckDbAnalysisEngine> {
    const tempDirectory = options.tempDirectory ?? join(logDir, '.duckdb-tmp');
    mkdirSync(tempDirectory, { recursive: true });
    // Loaded here, not at the top: the native module stays out of the Lambda bundles (external),
    // and a bundle that never opens DuckDB never asks for it.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const memoryLimit = options.memoryLimit ?? `${evidenceMemoryMb.default}MB`;
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: memoryLimit,
      threads: String(options.threads ?? 2),
      temp_directory: tempDirectory,
      preserve_insertion_order: 'false',
      // Every join of the report's SQL has its small side (outcome posts, fresh lines) on the
      // right, where DuckDB builds its hash table. Its optimizer would otherwise build on the
      // side it estimates smaller, and a filtered request-lines scan estimates far below its
      // million rows: a hash of every request id (measured at 1M requests: 1.8 s of CPU, and the
      // resident memory the cap was meant to bound).
      disabled_optimizers: 'build_side_probe_side',
      // DuckDB frees a statement's memory in bulk at its end; past this much it hands it back to
      // the system (malloc_trim) instead of keeping it in the allocator's free lists. At the
      // default (512 MiB, i.e. never here) the process kept each statement's peak and the next
      // one's came on top: 360 MB resident for a 1M-request report, 255 MB with this, for
      // ~8 % more time (bench:report, BENCHMARKS.md §5).
      allocator_bulk_deallocation_flush_threshold: '2MB',
      // Nothing downloads at run time: the JSON and Parquet readers are built in.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    return new DuckDbAnalysisEngine(instance, logDir, memoryLimit);
  }

  query(
    sql: string,
    parameters: readonly (string | number)[],
    options: { readonly deadline?: number; readonly onProgress?: QueryProgress } = {},
  ): Promise<Record<string, unknown>[]> {
    return this.inTurn(async () => {
      try {
        return await this.run(sql, parameters, options);
      } catch (error) {
        if (isVanishedFile(error)) {
          // A compaction by another process removed a file between planning and reading: the
          // views list the folders again, and the lines are in its Parquet file now.
          this.viewsOf = undefined;
          return this.run(sql, parameters, options);
        }
        if (isOutOfMemory(error)) {
          // Parsing every column of a large burst of JSON lines needs more memory than reading
          // the same lines from Parquet: compact what is there (this process's writers move on
          // to new segments first), then read again.
          await rotateWriters();
          await this.compactNow({});
          try {
            return await this.run(sql, parameters, options);
          } catch (again) {
            if (!isOutOfMemory(again)) throw again;
            throw new ServiceUnavailableError(
              'analysis_memory',
              `the evidence analysis needs more memory than its ${this.memoryLimit} cap: give it more (local mode: npm start -- --analysis-memory-mb 1024; ${EVIDENCE_MEMORY_ENV})`,
            );
          }
        }
        throw error;
      }
    });
  }

  /**
   * The report's rows for a slice, over per-day partials (duckdb-day-partials.ts): the same rows
   * as its two statements, for a cost that does not grow with the days the slice spans.
   */
  experimentRows(
    slice: ExperimentSlice,
    options: { readonly deadline?: number; readonly onProgress?: QueryProgress } = {},
  ): Promise<ExperimentRows> {
    return experimentRowsByDay(
      {
        logDir: this.logDir,
        query: (sql, parameters, queryOptions) => this.query(sql, parameters, queryOptions),
        recordDays: () => this.recordDays(),
      },
      slice,
      options,
    );
  }

  /** The records folders by UTC day, as the views would read them now (day partials' input). */
  recordDays(): Promise<Map<string, RecordDay>> {
    return this.inTurn(() => this.listRecordDays());
  }

  private async listRecordDays(): Promise<Map<string, RecordDay>> {
    const connection = await this.instance.connect();
    try {
      const files = await this.listFiles(connection);
      const days = new Map<string, { requestLines: string[]; others: number }>();
      const dayOf = (file: string) => /[/\\]records[/\\]dt=([0-9-]+)[/\\]/.exec(file)?.[1];
      const entry = (file: string) => {
        const dt = dayOf(file) ?? '';
        const found = days.get(dt) ?? { requestLines: [], others: 0 };
        days.set(dt, found);
        return found;
      };
      for (const file of files.requestLines) entry(file).requestLines.push(file);
      for (const file of [...files.rawRecordsParquet, ...files.recordsJson]) entry(file).others += 1;
      return days;
    } finally {
      connection.closeSync();
    }
  }

  /**
   * Compacts the log's closed JSON-lines files into Parquet (evidence-compaction.ts), in turn
   * with the queries: a query never sees a file vanish under it in this process.
   */
  compact(options: CompactionOptions = {}): Promise<CompactionResult> {
    return this.inTurn(() => this.compactNow(options));
  }

  private async compactNow(options: CompactionOptions): Promise<CompactionResult> {
    const connection = await this.instance.connect();
    try {
      return await compactEvidenceLog(
        this.logDir,
        async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS(),
        options,
      );
    } finally {
      connection.closeSync();
      this.viewsOf = undefined;
    }
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async run(
    sql: string,
    parameters: readonly (string | number)[],
    options: { readonly deadline?: number; readonly onProgress?: QueryProgress },
  ): Promise<Record<string, unknown>[]> {
    const connection = await this.instance.connect();
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    try {
      await this.ensureViews(connection);
      if (options.deadline !== undefined) {
        const remaining = options.deadline - Date.now();
        if (remaining <= 0)
          throw new AnalysisDeadlineError('the analysis deadline passed before the query ran');
        timers.push(
          setTimeout(() => {
            timedOut = true;
            connection.interrupt();
          }, remaining),
        );
      }
      if (options.onProgress) {
        const report = options.onProgress;
        timers.push(
          setInterval(() => {
            const progress = connection.progress;
            if (progress.percentage >= 0) report(Math.min(1, progress.percentage / 100));
          }, PROGRESS_INTERVAL_MS),
        );
      }
      return await readRows(connection, sql, parameters);
    } catch (error) {
      if (timedOut) throw new AnalysisDeadlineError('the analysis did not finish before its deadline');
      throw error;
    } finally {
      for (const timer of timers) clearTimeout(timer);
      connection.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }

  /**
   * (Re)defines the views for the files present now, listed explicitly (DuckDB refuses a glob
   * that matches nothing), leaving out any file a present Parquet file names as its source: a
   * compaction (of this or another process) that stopped, or is, between publishing its file and
   * removing the sources. So no line is read twice, and no request appears in two request-lines
   * files. Views: `records` (every line as appended: the shared SQL), `outcomes`, and for local
   * mode's per-request text `request_lines` (compacted) and `fresh_records` (not compacted yet).
   */
  private async ensureViews(connection: DuckDBConnection): Promise<void> {
    const files = await this.listFiles(connection);
    const signature = JSON.stringify(files);
    if (signature === this.viewsOf) return;
    for (const [name, view] of Object.entries(viewsOf(files)))
      await connection.run(`CREATE OR REPLACE VIEW ${name} AS ${view}`);
    this.viewsOf = signature;
  }

  private async listFiles(connection: DuckDBConnection): Promise<LogFiles> {
    const files: LogFiles = {
      requestLines: [],
      rawRecordsParquet: [],
      recordsJson: [],
      outcomesParquet: [],
      outcomesJson: [],
    };
    for (const relation of Object.values(EVIDENCE_FOLDERS)) {
      const base = join(this.logDir, relation);
      if (!existsSync(base)) continue;
      for (const entry of readdirSync(base, { withFileTypes: true })) {
        if (!entry.isDirectory() || !entry.name.startsWith('dt=')) continue;
        const folder = join(base, entry.name);
        const names = readdirSync(folder);
        const parquets = names.filter((n) => n.endsWith('.parquet')).map((n) => join(folder, n));
        const infos = await this.infoOf(connection, parquets);
        const superseded = new Set(infos.flatMap(([, info]) => info.sources));
        for (const [file, info] of infos) {
          if (superseded.has(basename(file))) continue;
          if (relation === 'outcomes') files.outcomesParquet.push(file);
          else (info.requestLines ? files.requestLines : files.rawRecordsParquet).push(file);
        }
        for (const name of names.filter((n) => n.endsWith('.jsonl') && !superseded.has(n)))
          (relation === 'outcomes' ? files.outcomesJson : files.recordsJson).push(join(folder, name));
      }
    }
    for (const list of Object.values(files)) list.sort();
    // Forget files gone (compacted away): the cache holds only what the folders hold.
    const present = new Set([...files.requestLines, ...files.rawRecordsParquet, ...files.outcomesParquet]);
    for (const file of this.parquetInfo.keys()) if (!present.has(file)) this.parquetInfo.delete(file);
    return files;
  }

  private async infoOf(
    connection: DuckDBConnection,
    parquets: readonly string[],
  ): Promise<[string, ParquetInfo][]> {
    const unknown = parquets.filter((file) => !this.parquetInfo.has(file));
    if (unknown.length > 0) {
      const reader = await connection.runAndReadAll(
        `SELECT file_name, CAST(key AS VARCHAR) AS k, CAST(value AS VARCHAR) AS v FROM parquet_kv_metadata([${unknown.map(quote).join(', ')}])`,
      );
      const found = new Map<string, { sources: string[]; requestLines: boolean }>(
        unknown.map((file) => [file, { sources: [], requestLines: false }]),
      );
      for (const row of reader.getRowObjectsJS()) {
        const info = found.get(String(row.file_name));
        if (info === undefined) continue;
        if (row.k === 'sources' && typeof row.v === 'string' && row.v !== '') info.sources = row.v.split(',');
        if (row.k === 'layout') info.requestLines = row.v === REQUEST_LINES_LAYOUT;
      }
      for (const [file, info] of found) this.parquetInfo.set(file, info);
    }
    return parquets.map((file) => [file, this.parquetInfo.get(file) as ParquetInfo]);
  }
}

const HIVE = `hive_partitioning = true, hive_types = {'dt': 'VARCHAR'}`;

function viewsOf(files: LogFiles): Record<string, string> {
  const names = (relation: EvidenceRelation) => [...Object.keys(columnsOf(relation)), 'dt'].join(', ');
  const parquet = (list: readonly string[], columns: string) =>
    `SELECT ${columns} FROM read_parquet([${list.map(quote).join(', ')}], ${HIVE}, union_by_name = true)`;
  const json = (list: readonly string[], relation: EvidenceRelation) =>
    `SELECT ${names(relation)} FROM ${readJsonLines(list, relation, HIVE)} WHERE requestId IS NOT NULL`;
  const union = (parts: (string | undefined)[], empty: string) => {
    const present = parts.filter((part): part is string => part !== undefined);
    return present.length > 0 ? present.join(' UNION ALL ') : empty;
  };
  const records = names('records');
  const lineColumns = `${records}, ${Object.keys(REQUEST_LINE_EXTRA).join(', ')}`;
  const rawRecords = [
    files.rawRecordsParquet.length > 0 ? parquet(files.rawRecordsParquet, records) : undefined,
    files.recordsJson.length > 0 ? json(files.recordsJson, 'records') : undefined,
  ];
  return {
    // Every line as appended: a request line stands for `copies` of it.
    records: union(
      [
        files.requestLines.length > 0
          ? `SELECT ${records} FROM (SELECT ${records}, unnest(range(copies)) AS copy FROM (${parquet(files.requestLines, lineColumns)}))`
          : undefined,
        ...rawRecords,
      ],
      emptyRelation(columnsOf('records')),
    ),
    request_lines:
      files.requestLines.length > 0
        ? parquet(files.requestLines, lineColumns)
        : emptyRelation({ ...columnsOf('records'), ...REQUEST_LINE_EXTRA }),
    fresh_records: union(rawRecords, emptyRelation(columnsOf('records'))),
    outcomes: union(
      [
        files.outcomesParquet.length > 0 ? parquet(files.outcomesParquet, names('outcomes')) : undefined,
        files.outcomesJson.length > 0 ? json(files.outcomesJson, 'outcomes') : undefined,
      ],
      emptyRelation(columnsOf('outcomes')),
    ),
  };
}

function emptyRelation(columns: Readonly<Record<string, string>>): string {
  const select = Object.entries(columns)
    .map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`)
    .join(', ');
  return `SELECT ${select}, CAST(NULL AS VARCHAR) AS dt WHERE false`;
}

function isOutOfMemory(error: unknown): boolean {
  return /Out of Memory Error/i.test(error instanceof Error ? error.message : String(error));
}

function isVanishedFile(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /No files found that match|No such file or directory|Cannot open file/i.test(message);
}

/**
 * A query's rows as plain objects, numbers as numbers. DuckDB writes each row as JSON (`to_json`,
 * in C++) and the rows are parsed here: converting a result value by value through the binding
 * (`getRowObjectsJS`, then BIGINT and HUGEINT from bigint) allocated ~40 MB of short-lived
 * objects for the report's ~9,000 distribution rows and took 3–5 times as long (measured on the
 * 1M-request bench log). Order is kept (a projection of the statement). JSON has no NaN or
 * infinities: a result holding one (none of the evidence log's do: its numbers come from JSON) is
 * read value by value instead, as are statements that are not queries (COPY, SET).
 */
async function readRows(
  connection: DuckDBConnection,
  sql: string,
  parameters: readonly (string | number)[],
): Promise<Record<string, unknown>[]> {
  if (!QUERY.test(sql)) return readValues(connection, sql, parameters);
  const reader = await connection.runAndReadAll(
    `SELECT CAST(to_json(result_row) AS VARCHAR) AS row_json FROM (${sql}) AS result_row`,
    [...parameters],
  );
  const texts = reader.getColumnsJS()[0] ?? [];
  try {
    return texts.map((text) => JSON.parse(String(text)) as Record<string, unknown>);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return readValues(connection, sql, parameters);
  }
}

/** A statement that is a query, whose rows `to_json` can wrap (not COPY, SET, …). */
const QUERY = /^\s*(WITH|SELECT|FROM)\b/i;

async function readValues(
  connection: DuckDBConnection,
  sql: string,
  parameters: readonly (string | number)[],
): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql, [...parameters]);
  return reader.getRowObjectsJS().map(plainRow);
}

/** Numbers as numbers (DuckDB's BIGINT and HUGEINT come back as bigint). */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key] = typeof value === 'bigint' ? Number(value) : value;
  return out;
}
