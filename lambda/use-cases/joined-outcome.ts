import type { LabelReader } from '../core/comparators/predicted-label';
import { canonicalLabel } from '../core/comparators/values';
import type { ComparisonRecord, Outcome } from '../core/comparison-record';
import { MetricName } from '../core/metric-names';
import type { MetricsPort } from './ports/metrics';

/** What of a record the outcome metrics need. */
export type JoinedRecord = Pick<ComparisonRecord, 'servedVariant' | 'served' | 'candidates'>;

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
  const served = labelOf(record.served);
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
