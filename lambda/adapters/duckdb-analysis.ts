import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ColumnType } from '../core/evidence/log-schema';
import { AnalysisDeadlineError, type AnalysisEngine } from '../use-cases/ports/evidence';
import {
  type CompactionOptions,
  type CompactionResult,
  columnsOf,
  compactEvidenceLog,
  readJsonLines,
} from './evidence-compaction';
import { EVIDENCE_FOLDERS, type EvidenceRelation, rotateWriters } from './evidence-log-files';

export interface DuckDbOptions {
  /** Most memory DuckDB may hold before spilling to `tempDirectory`. @default '256MB' */
  readonly memoryLimit?: string;
  /** @default 2 */
  readonly threads?: number;
  /** Where large aggregations spill. @default <logDir>/.duckdb-tmp */
  readonly tempDirectory?: string;
}

/** A progress report while a query runs: the share of rows read so far (0..1), when known. */
export type QueryProgress = (fraction: number) => void;

const PROGRESS_INTERVAL_MS = 250;

/** What a relation's folder holds: which readers its view needs (a glob must match a file). */
type Holding = 'none' | 'json' | 'parquet' | 'both';

/**
 * The evidence log's analysis engine in local mode and tests: DuckDB, embedded, reading the log
 * in place through views `records` and `outcomes`: the compacted Parquet files and the JSON
 * lines not yet compacted (explicit columns, `dt` from the folder names). Each query runs on its
 * own connection, so a deadline interrupts only it.
 */
export class DuckDbAnalysisEngine implements AnalysisEngine {
  private views: Record<EvidenceRelation, Holding | undefined> = { records: undefined, outcomes: undefined };
  /**
   * One query at a time: each already uses every thread, and two at once hold two sets of scan
   * buffers (the peak memory a laptop notices). Also keeps view definitions, which are catalog
   * writes, from conflicting.
   */
  private turn: Promise<void> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly logDir: string,
  ) {}

  static async open(logDir: string, options: DuckDbOptions = {}): Promise<DuckDbAnalysisEngine> {
    const tempDirectory = options.tempDirectory ?? join(logDir, '.duckdb-tmp');
    mkdirSync(tempDirectory, { recursive: true });
    // Loaded here, not at the top: the native module stays out of the Lambda bundles (external),
    // and a bundle that never opens DuckDB never asks for it.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: options.memoryLimit ?? '256MB',
      threads: String(options.threads ?? 2),
      temp_directory: tempDirectory,
      preserve_insertion_order: 'false',
      // Nothing downloads at run time: the JSON and Parquet readers are built in.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    return new DuckDbAnalysisEngine(instance, logDir);
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
          this.views = { records: undefined, outcomes: undefined };
          return this.run(sql, parameters, options);
        }
        if (isOutOfMemory(error)) {
          // Parsing every column of a large burst of JSON lines needs more memory than reading
          // the same lines from Parquet: compact what is there (this process's writers move on
          // to new segments first), then read again.
          await rotateWriters();
          await this.compactNow({});
          return this.run(sql, parameters, options);
        }
        throw error;
      }
    });
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
      this.views = { records: undefined, outcomes: undefined };
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
      const reader = await connection.runAndReadAll(sql, [...parameters]);
      return reader.getRowObjectsJS().map(plainRow);
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
   * (Re)defines each view for what its folder holds now: DuckDB refuses a glob that matches
   * nothing, so a view reads Parquet, JSON lines, both, or is an empty relation with the same
   * columns. Globs are expanded at each query, so new files of a kind already held are seen.
   */
  private async ensureViews(connection: DuckDBConnection): Promise<void> {
    for (const relation of Object.values(EVIDENCE_FOLDERS)) {
      const folder = join(this.logDir, relation);
      const holding = holdingOf(folder);
      if (this.views[relation] === holding) continue;
      await connection.run(`CREATE OR REPLACE VIEW ${relation} AS ${viewOf(folder, relation, holding)}`);
      this.views[relation] = holding;
    }
  }
}

function viewOf(folder: string, relation: EvidenceRelation, holding: Holding): string {
  const columns = columnsOf(relation);
  const names = [...Object.keys(columns), 'dt'].join(', ');
  const glob = (extension: string) => join(folder, 'dt=*', `*.${extension}`).replaceAll("'", "''");
  const hive = `hive_partitioning = true, hive_types = {'dt': 'VARCHAR'}`;
  const parquet = `SELECT ${names} FROM read_parquet('${glob('parquet')}', ${hive}, union_by_name = true)`;
  const json = `SELECT ${names} FROM ${readJsonLines(glob('jsonl'), relation, hive)} WHERE requestId IS NOT NULL`;
  switch (holding) {
    case 'none':
      return emptyRelation(columns);
    case 'json':
      return json;
    case 'parquet':
      return parquet;
    case 'both':
      return `${parquet} UNION ALL ${json}`;
  }
}

function emptyRelation(columns: Readonly<Record<string, ColumnType>>): string {
  const select = Object.entries(columns)
    .map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`)
    .join(', ');
  return `SELECT ${select}, CAST(NULL AS VARCHAR) AS dt WHERE false`;
}

function holdingOf(folder: string): Holding {
  let json = false;
  let parquet = false;
  if (existsSync(folder)) {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.startsWith('dt=')) continue;
      for (const file of readdirSync(join(folder, entry.name))) {
        if (file.endsWith('.jsonl')) json = true;
        else if (file.endsWith('.parquet')) parquet = true;
      }
      if (json && parquet) break;
    }
  }
  return json && parquet ? 'both' : json ? 'json' : parquet ? 'parquet' : 'none';
}

function isOutOfMemory(error: unknown): boolean {
  return /Out of Memory Error/i.test(error instanceof Error ? error.message : String(error));
}

function isVanishedFile(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /No files found that match|No such file or directory|Cannot open file/i.test(message);
}

/** Numbers as numbers (DuckDB's BIGINT and HUGEINT come back as bigint). */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key] = typeof value === 'bigint' ? Number(value) : value;
  return out;
}
