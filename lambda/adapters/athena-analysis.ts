import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { AnalysisDeadlineError, type AnalysisEngine } from '../use-cases/ports/evidence';

export interface AthenaAnalysisOptions {
  /** The workgroup queries run in: its settings (output, encryption, scan cutoff) are enforced. */
  readonly workGroup: string;
  /** Glue database holding `records` and `outcomes`, so the shared SQL's names resolve unqualified. */
  readonly database: string;
  /** @default 'AwsDataCatalog' */
  readonly catalog?: string;
  /** First wait between two status polls, growing ×1.5 per poll. @default 200 */
  readonly firstPollMs?: number;
  /** Longest wait between two status polls. @default 1000 */
  readonly maxPollMs?: number;
  /** Rows per GetQueryResults page (Athena's maximum is 1000). @default 1000 */
  readonly pageSize?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Athena ran the query and it failed or was cancelled (bad SQL, the scan cutoff, …). */
export class AnalysisQueryError extends Error {
  override readonly name = 'AnalysisQueryError';
  constructor(
    message: string,
    readonly queryExecutionId: string,
    readonly state: string,
    /** Athena's error category: 1 system, 2 user, 3 other. */
    readonly errorCategory?: number,
  ) {
    super(message);
  }
}

const DONE = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const DECIMAL_TYPES = new Set(['double', 'float', 'real', 'decimal']);

/**
 * The evidence log's analysis engine on AWS: Amazon Athena over the Glue tables `records` and
 * `outcomes`. Runs one statement of the shared SQL in the workgroup with the Glue database as
 * its context (so the relation names resolve as in DuckDB), binds the positional `?` through
 * `ExecutionParameters`, polls until done, then pages the results into plain rows with typed
 * values. At the deadline it stops the query (no more scanning to pay for) and rejects with
 * `AnalysisDeadlineError`.
 */
export class AthenaAnalysisEngine implements AnalysisEngine {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaAnalysisOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  }

  async query(
    sql: string,
    parameters: readonly (string | number)[],
    options: { readonly deadline?: number } = {},
  ): Promise<Record<string, unknown>[]> {
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    if (this.now() >= deadline)
      throw new AnalysisDeadlineError('analysis deadline passed before the query started');
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workGroup,
        QueryExecutionContext: {
          Catalog: this.options.catalog ?? 'AwsDataCatalog',
          Database: this.options.database,
        },
        ...(parameters.length > 0 ? { ExecutionParameters: parameters.map(sqlLiteral) } : {}),
      }),
    );
    const id = started.QueryExecutionId;
    if (id === undefined) throw new Error('Athena returned no query execution id');

    const execution = await this.waitUntilDone(id, deadline);
    const state = execution.Status?.State ?? 'UNKNOWN';
    if (state !== 'SUCCEEDED') {
      const reason = execution.Status?.StateChangeReason ?? execution.Status?.AthenaError?.ErrorMessage;
      throw new AnalysisQueryError(
        `Athena query ${id} ${state.toLowerCase()}${reason ? `: ${reason}` : ''}`,
        id,
        state,
        execution.Status?.AthenaError?.ErrorCategory,
      );
    }
    return this.readRows(id, deadline, execution.StatementType);
  }

  private async waitUntilDone(id: string, deadline: number): Promise<QueryExecution> {
    let wait = this.options.firstPollMs ?? 200;
    const maxWait = this.options.maxPollMs ?? 1000;
    for (;;) {
      const { QueryExecution: execution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      if (execution !== undefined && DONE.has(execution.Status?.State ?? '')) return execution;
      const left = deadline - this.now();
      if (left <= 0) await this.stop(id);
      await this.sleep(Math.min(wait, left));
      wait = Math.min(maxWait, Math.ceil(wait * 1.5));
    }
  }

  /** Stops a query at the deadline; a query that finished meanwhile is not an error to report. */
  private async stop(id: string): Promise<never> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    } catch {
      // The deadline is what the caller needs to know; Athena stops it at the cutoff anyway.
    }
    throw new AnalysisDeadlineError(`analysis deadline passed; Athena query ${id} stopped`);
  }

  private async readRows(
    id: string,
    deadline: number,
    statementType?: string,
  ): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let columns: readonly ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let first = true;
    do {
      if (this.now() >= deadline) {
        throw new AnalysisDeadlineError(`analysis deadline passed while reading the results of ${id}`);
      }
      const page: GetQueryResultsCommandOutput = await this.client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: this.options.pageSize ?? 1000,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const pageRows = page.ResultSet?.Rows ?? [];
      // A SELECT's first row holds the column labels, not data.
      const skip = first && statementType !== 'UTILITY' ? 1 : 0;
      for (const row of pageRows.slice(skip)) rows.push(toRow(columns, row.Data ?? []));
      nextToken = page.NextToken;
      first = false;
    } while (nextToken !== undefined);
    return rows;
  }
}

/**
 * A parameter as Athena's `ExecutionParameters` take it: SQL literal text. Strings are quoted
 * (quotes doubled), numbers written bare; anything else is a caller bug.
 */
export function sqlLiteral(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`query parameter ${value} is not a finite number`);
    return Number.isInteger(value) ? value.toFixed(0) : String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** One result row, typed from the column's Athena type: numbers, booleans, null, else text. */
function toRow(
  columns: readonly ColumnInfo[],
  data: readonly { VarCharValue?: string }[],
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  columns.forEach((column, index) => {
    row[column.Name ?? `_col${index}`] = typed(column.Type ?? 'varchar', data[index]?.VarCharValue);
  });
  return row;
}

export function typed(type: string, text: string | undefined): unknown {
  // Athena leaves VarCharValue out for NULL (an empty string is "").
  if (text === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, '');
  if (base === 'boolean') return text === 'true';
  if (INTEGER_TYPES.has(base) || DECIMAL_TYPES.has(base)) return Number(text);
  return text;
}
