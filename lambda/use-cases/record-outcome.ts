import type { ComparisonStore } from '../adapters/comparison-store';
import type { MetricsPort } from '../adapters/metrics';
import type { LabelReader } from '../core/comparators/predicted-label';
import { canonicalLabel } from '../core/comparators/values';
import type { ComparisonRecord, Outcome } from '../core/comparison-record';
import { outcomeLine } from '../core/evidence/record-lines';
import { MetricName } from '../core/metric-names';
import type { OutcomePost } from '../core/outcome';
import { appendEvidence } from './append-evidence';
import type { EvidenceLog } from './ports/evidence';

/** What of a record the outcome metrics need. */
export type JoinedRecord = Pick<ComparisonRecord, 'servedVariant' | 'production' | 'candidates'>;

/**
 * Counts a joined outcome for the variant that served the request, and, for a labelled outcome,
 * whether each model predicted the label. Called by whichever side of the join arrives second
 * (the outcome or the comparison), so each outcome is counted once.
 */
export function countJoinedOutcome(
  metrics: MetricsPort,
  record: JoinedRecord,
  outcome: Outcome,
  labelOf: LabelReader,
): void {
  const canary = record.servedVariant === 'canary';
  metrics.count(canary ? MetricName.CanaryOutcomes : MetricName.ProductionOutcomes);
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

export type RecordOutcomeResult = 'joined' | 'pending' | 'duplicate';

/**
 * Stores a business outcome for a request.
 * 1. Write it to the request's item unless an outcome is already there (first wins).
 * 2. Append the post, as posted, to the evidence log (every post: analysis merges them
 *    first-wins per field). A failed append throws (EvidenceAppendError): the caller retries the
 *    post, which changes nothing in DynamoDB and appends the line.
 * 3. If the request's record was already there, count the outcome (and label accuracy) now;
 *    otherwise the worker counts it when it writes the record.
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
  if (saved.duplicate) return 'duplicate';
  if (saved.record === undefined) return 'pending';
  countJoinedOutcome(ports.metrics, saved.record, post.outcome, ports.labelOf);
  return 'joined';
}
