import type { OutcomeLine, RecordLine } from '../../core/evidence/log-lines';
import type { ExperimentSlice, RequestsSource } from '../../core/evidence/sql/experiment-aggregates.sql';

export type EvidenceLine =
  | { readonly kind: 'record'; readonly line: RecordLine }
  | { readonly kind: 'outcome'; readonly line: OutcomeLine };

/**
 * Appends lines to the evidence log, at least once. Resolves when every line is durably
 * accepted; rejects (after its own bounded retries) when any line is not, so the caller can fail
 * the batch item and let redelivery append again (analysis deduplicates).
 */
export interface EvidenceLog {
  append(lines: readonly EvidenceLine[]): Promise<void>;
}

/** A SQL engine over the evidence log: DuckDB locally, Athena on AWS. */
export interface AnalysisEngine {
  /**
   * Runs one query of the shared SQL subset (relations `records` and `outcomes`, positional `?`
   * parameters) and returns its rows as plain objects (numbers as numbers, nulls as null).
   * Rejects with `AnalysisDeadlineError` when `deadline` (epoch ms) passes first. Reports
   * progress (the share done, 0..1) to `onProgress` while it runs, when the engine knows it.
   */
  query(
    sql: string,
    parameters: readonly (string | number)[],
    options?: { readonly deadline?: number; readonly onProgress?: (fraction: number) => void },
  ): Promise<Record<string, unknown>[]>;
  /**
   * Which text of the report's statements the engine runs (`RequestsSource`): the shared one
   * over the raw log (Athena; the default), or local mode's over compacted request lines.
   */
  readonly requestsSource?: RequestsSource;
  /**
   * The rows of the report's two statements for a slice, when the engine has a cheaper way to
   * them than running both (local mode: per-day partials); otherwise the statements are run.
   */
  experimentRows?(
    slice: ExperimentSlice,
    options?: { readonly deadline?: number; readonly onProgress?: (fraction: number) => void },
  ): Promise<{ totals: Record<string, unknown>[]; distributions: Record<string, unknown>[] }>;
}

export class AnalysisDeadlineError extends Error {
  override readonly name = 'AnalysisDeadlineError';
}
