import type { ComparisonRecord } from '../comparison-record';
import { resolveEndpoints } from './evidence';

/**
 * Why a report cannot be about `candidate`, or undefined when it can: a name with no records in
 * the window (a typo, or an endpoint never replayed) would otherwise get a verdict on no evidence.
 */
export function unknownCandidateProblem(
  records: readonly ComparisonRecord[],
  candidate: string | undefined,
): string | undefined {
  if (candidate === undefined) return undefined;
  const { candidates } = resolveEndpoints(records);
  if (candidates.includes(candidate)) return undefined;
  const known =
    candidates.length === 0
      ? 'no candidate has records in this window'
      : `candidates: ${candidates.join(', ')}`;
  return `no records for candidate "${candidate}" in this window (${known})`;
}
