import type { ComparisonRecord, Outcome } from '../../core/comparison-record';
import type { OutcomeField } from '../../core/outcome';

export interface SaveResult {
  readonly saved: 'created' | 'duplicate';
  /** An outcome that was posted before the comparison existed, now joined to it. */
  readonly joinedOutcome?: Outcome;
}

export interface OutcomeSaveResult {
  /** This post was the request's first outcome: it created the stored outcome. */
  readonly created: boolean;
  /** Fields of the post stored now. */
  readonly added: readonly OutcomeField[];
  /** Fields of the post already stored from an earlier post: the first value is kept. */
  readonly kept: readonly OutcomeField[];
  /**
   * The request's record and the added fields that joined it now, when its comparison was
   * already stored at the time of their write; fields written before it are joined (and
   * counted) by the worker when it writes the comparison.
   */
  readonly joined?: {
    readonly record: Pick<ComparisonRecord, 'servedVariant' | 'served' | 'candidates'>;
    readonly fields: readonly OutcomeField[];
  };
}

/**
 * The stored comparison records, one per request id: written once by the worker (idempotent),
 * joined with outcomes in either order, read back by id.
 */
export interface ComparisonRecords {
  /** Whether the request's comparison is already stored (a redelivery). */
  isCompared(requestId: string): Promise<boolean>;
  saveComparison(record: ComparisonRecord): Promise<SaveResult>;
  /** Stores the outcome's fields not stored yet (first wins per field); `expiresAt` for a record not written yet. */
  saveOutcome(requestId: string, outcome: Outcome, expiresAt: number): Promise<OutcomeSaveResult>;
  get(requestId: string): Promise<ComparisonRecord | undefined>;
}
