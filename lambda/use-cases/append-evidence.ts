import { MetricName } from '../core/metric-names';
import type { EvidenceLine, EvidenceLog } from './ports/evidence';
import type { MetricsPort } from './ports/metrics';

/** The evidence log did not accept a line (after the adapter's own retries). */
export class EvidenceAppendError extends Error {
  override readonly name = 'EvidenceAppendError';
}

/**
 * Appends lines, counting what was appended and what failed. A failure is thrown, never
 * swallowed: the caller fails its message (or answers 503) so the lines are appended again.
 */
export async function appendEvidence(
  ports: { readonly evidenceLog: EvidenceLog; readonly metrics: MetricsPort },
  lines: readonly EvidenceLine[],
): Promise<void> {
  if (lines.length === 0) return;
  try {
    await ports.evidenceLog.append(lines);
  } catch (error) {
    ports.metrics.count(MetricName.EvidenceAppendFailures);
    throw new EvidenceAppendError(`evidence log append failed: ${(error as Error)?.name ?? 'error'}`, {
      cause: error,
    });
  }
  ports.metrics.count(MetricName.EvidenceLinesAppended, lines.length);
}
