import type { LabelReader } from '../core/comparators/predicted-label';
import { expiresAtFor } from '../core/comparison-record';
import { outcomeLine } from '../core/evidence/record-lines';
import { type OutcomeField, type OutcomePost, pickOutcomeFields } from '../core/outcome';
import { appendEvidence } from './append-evidence';
import { countJoinedOutcome } from './joined-outcome';
import type { ComparisonRecords } from './ports/comparison-records';
import type { EvidenceLog } from './ports/evidence';
import type { MetricsPort } from './ports/metrics';

export interface RecordOutcomeResult {
  /** `duplicate`: every field was already stored (first wins), nothing changed. */
  readonly status: 'joined' | 'pending' | 'duplicate';
  /** Fields of the post that were already stored and kept as they were. */
  readonly kept: readonly OutcomeField[];
}

/**
 * Stores a business outcome for a request, merging fields first-wins per field.
 * 1. Write the post's fields that the request's outcome does not have yet.
 * 2. Append the post, as posted, to the evidence log (every post: analysis merges them
 *    first-wins per field too). A failed append throws (EvidenceAppendError): the caller retries
 *    the post, which changes nothing in DynamoDB and appends the line.
 * 3. Count the fields that joined an existing record now (and the outcome itself when this post
 *    created it); fields stored before the record are counted by the worker when it writes it.
 */
export async function recordOutcome(
  post: OutcomePost,
  ttlDays: number,
  ports: {
    readonly store: Pick<ComparisonRecords, 'saveOutcome'>;
    readonly evidenceLog: EvidenceLog;
    readonly metrics: MetricsPort;
    readonly labelOf: LabelReader;
  },
): Promise<RecordOutcomeResult> {
  const expiresAt = expiresAtFor(post.outcome.receivedAt, ttlDays);
  const saved = await ports.store.saveOutcome(post.requestId, post.outcome, expiresAt);
  await appendEvidence(ports, [{ kind: 'outcome', line: outcomeLine(post.requestId, post.outcome) }]);
  if (saved.added.length === 0) return { status: 'duplicate', kept: saved.kept };
  if (saved.joined === undefined) return { status: 'pending', kept: saved.kept };
  countJoinedOutcome(
    ports.metrics,
    saved.joined.record,
    pickOutcomeFields(post.outcome, saved.joined.fields),
    ports.labelOf,
    { newOutcome: saved.created },
  );
  return { status: 'joined', kept: saved.kept };
}
