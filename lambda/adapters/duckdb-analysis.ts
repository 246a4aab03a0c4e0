import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type ColumnType, OUTCOME_COLUMNS, RECORD_COLUMNS } from '../core/evidence/log-schema';
import { AnalysisDeadlineError, type AnalysisEngine } from '../use-cases/ports/evidence';
import { EVIDENCE_FOLDERS } from './evidence-log-files';

export interface DuckDbOptions {
  /** Most memory DuckDB may hold before spilling to `tempDirectory`. @default '192MB' */
  readonly memoryLimit?: string;
  /** @default 2 */
  readonly threads?: number;
  /** Where large aggregations spill. @default <logDir>/.duckdb-tmp */
  readonly tempDirectory?: string;
}

/** A progress report while a query runs: the share of rows read so far (0..1), when known. */
export type QueryProgress = (fraction: number) => void;

const PROGRESS_INTERVAL_MS = 250;

/**
 * The evidence log's analysis engine in local mode and tests: DuckDB, embedded, reading the
 * JSON-lines files in place through views `records` and `outcomes` (explicit columns, `dt` from
 * the folder names). Each query runs on its own connection, so a deadline interrupts only it.
 */
export class DuckDbAnalysisEngine implements AnalysisEngine {
  private viewsReady = { records: false, outcomes: false };
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
      memory_limit: options.memoryLimit ?? '192MB',
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
    const result = this.turn.then(() => this.run(sql, parameters, options));
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
   * (Re)defines a view once its folder has files: DuckDB refuses a glob that matches nothing, so
   * until then the view is an empty relation with the same columns.
   */
  private async ensureViews(connection: DuckDBConnection): Promise<void> {
    for (const kind of ['record', 'outcome'] as const) {
      const relation = EVIDENCE_FOLDERS[kind];
      if (this.viewsReady[relation]) continue;
      const columns = kind === 'record' ? RECORD_COLUMNS : OUTCOME_COLUMNS;
      const folder = join(this.logDir, relation);
      const hasFiles = hasLogFiles(folder);
      await connection.run(
        `CREATE OR REPLACE VIEW ${relation} AS ${hasFiles ? readJson(folder, columns) : emptyRelation(columns)}`,
      );
      this.viewsReady[relation] = hasFiles;
    }
  }
}

function readJson(folder: string, columns: Readonly<Record<string, ColumnType>>): string {
  const spec = Object.entries(columns)
    .map(([name, type]) => `${name}: '${type}'`)
    .join(', ');
  const glob = join(folder, 'dt=*', '*.jsonl').replaceAll("'", "''");
  // ignore_errors: a line cut short by a killed writer reads as nulls instead of failing the
  // query; without a request id it is no line of the log.
  return `SELECT * FROM read_json('${glob}', format = 'newline_delimited', columns = {${spec}}, hive_partitioning = true, hive_types = {'dt': 'VARCHAR'}, ignore_errors = true) WHERE requestId IS NOT NULL`;
}

function emptyRelation(columns: Readonly<Record<string, ColumnType>>): string {
  const select = Object.entries(columns)
    .map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`)
    .join(', ');
  return `SELECT ${select}, CAST(NULL AS VARCHAR) AS dt WHERE false`;
}

function hasLogFiles(folder: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { withFileTypes: true }).some(
    (entry) =>
      entry.isDirectory() &&
      entry.name.startsWith('dt=') &&
      readdirSync(join(folder, entry.name)).some((file) => file.endsWith('.jsonl')),
  );
}

/** Numbers as numbers (DuckDB's BIGINT and HUGEINT come back as bigint). */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key] = typeof value === 'bigint' ? Number(value) : value;
  return out;
}
