import type { ComparisonStore } from '../adapters/comparison-store';
import type { LabelReader } from '../core/comparators/predicted-label';
import { canonicalLabel } from '../core/comparators/values';
import type { ComparisonRecord, Outcome } from '../core/comparison-record';
import { outcomeLine } from '../core/evidence/record-lines';
import { MetricName } from '../core/metric-names';
import { type OutcomeField, type OutcomePost, pickOutcomeFields } from '../core/outcome';
import { appendEvidence } from './append-evidence';
import type { EvidenceLog } from './ports/evidence';
import type { MetricsPort } from './ports/metrics';

/** What of a record the outcome metrics need. */
export type JoinedRecord = Pick<ComparisonRecord, 'servedVariant' | 'production' | 'candidates'>;

/**
 * Counts a joined outcome for the variant that served the request, and, for a labelled outcome,
 * whether each model predicted the label. Called by whichever side of the join arrives second
 * (the outcome or the comparison), per field, so each outcome and each field is counted once:
 * a field posted after the join counts only itself (`newOutcome: false`).
 */
export function countJoinedOutcome(
  metrics: MetricsPort,
  record: JoinedRecord,
  outcome: Outcome,
  labelOf: LabelReader,
  { newOutcome = true }: { readonly newOutcome?: boolean } = {},
): void {
  const canary = record.servedVariant === 'canary';
  if (newOutcome) metrics.count(canary ? MetricName.CanaryOutcomes : MetricName.ProductionOutcomes);
  if (outcome.converted !== undefined) {
    metrics.count(
      canary ? MetricName.CanaryConversions : MetricName.ProductionConversions,
      outcome.converted ? 1 : 0,
    );
  }
  const label = outcome.label === undefined ? undefined : canonicalLabel(outcome.label);
  if (label === undefined) return;
  const served = labelOf(record.production);
  if (served !== undefined)
    metrics.ratio(
      canary ? MetricName.CanaryLabelCorrect : MetricName.ProductionLabelCorrect,
      served === label ? 1 : 0,
    );
  for (const candidate of record.candidates) {
    const predicted = labelOf(candidate.result);
    if (predicted !== undefined) metrics.ratio(MetricName.CandidateLabelCorrect, predicted === label ? 1 : 0);
  }
}

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
    readonly store: Pick<ComparisonStore, 'saveOutcome'>;
    readonly evidenceLog: EvidenceLog;
    readonly metrics: MetricsPort;
    readonly labelOf: LabelReader;
  },
): Promise<RecordOutcomeResult> {
  const expiresAt = Math.floor(Date.parse(post.outcome.receivedAt) / 1000) + ttlDays * 86_400;
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
