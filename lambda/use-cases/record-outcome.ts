import type { ComparisonStore } from '../adapters/comparison-store';
import type { MetricsPort } from '../adapters/metrics';
import type { Outcome } from '../core/comparison-record';
import { MetricName } from '../core/metric-names';
import type { OutcomePost } from '../core/outcome';
import type { ServedVariant } from '../core/variants';

/**
 * Counts a joined outcome for the variant that served the request. Called by whichever side of
 * the join arrives second (the outcome or the comparison), so each outcome is counted once.
 */
export function countJoinedOutcome(
  metrics: MetricsPort,
  servedVariant: ServedVariant,
  outcome: Outcome,
): void {
  const canary = servedVariant === 'canary';
  metrics.count(canary ? MetricName.CanaryOutcomes : MetricName.ProductionOutcomes);
  if (outcome.converted !== undefined) {
    metrics.count(
      canary ? MetricName.CanaryConversions : MetricName.ProductionConversions,
      outcome.converted ? 1 : 0,
    );
  }
}

export type RecordOutcomeResult = 'joined' | 'pending' | 'duplicate';

/**
 * Stores a business outcome for a request.
 * 1. Write it to the request's item unless an outcome is already there (first wins).
 * 2. If the request's record was already there, count the outcome for its served variant now;
 *    otherwise the worker counts it when it writes the record.
 */
export async function recordOutcome(
  post: OutcomePost,
  ttlDays: number,
  ports: { readonly store: Pick<ComparisonStore, 'saveOutcome'>; readonly metrics: MetricsPort },
): Promise<RecordOutcomeResult> {
  const expiresAt = Math.floor(Date.parse(post.outcome.receivedAt) / 1000) + ttlDays * 86_400;
  const saved = await ports.store.saveOutcome(post.requestId, post.outcome, expiresAt);
  if (saved.duplicate) return 'duplicate';
  if (saved.servedVariant === undefined) return 'pending';
  countJoinedOutcome(ports.metrics, saved.servedVariant, post.outcome);
  return 'joined';
}
