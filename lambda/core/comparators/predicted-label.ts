import type { ModelResult } from '../model-result';
import { predictedLabel } from './classification';
import { decodeAnswer } from './decode-answer';
import { type JsonPathSegment, parseJsonPath } from './json-path';
import type { ComparatorConfig } from './types';

/** Reads the label a stored answer predicts, in canonical form, or undefined. */
export type LabelReader = (result: ModelResult & { readonly bodyTruncated?: boolean }) => string | undefined;

/**
 * Where to look for a predicted label: the classification comparator's `labelPath` when
 * configured; otherwise a top-level `label` field, then the whole answer (models answering
 * `"churn"` or `1`). Shared by the report's accuracy and the label accuracy metrics.
 */
export function labelReader(comparator: ComparatorConfig | undefined): LabelReader {
  const paths: readonly (readonly JsonPathSegment[])[] =
    comparator?.type === 'classification' ? [parseJsonPath(comparator.labelPath)] : [['label'], []];
  return (result) => {
    if (result.status !== 'ok' || result.body === undefined || result.bodyTruncated) return undefined;
    const answer = decodeAnswer(
      result.contentType ?? 'application/octet-stream',
      result.body,
      result.encoding ?? 'utf8',
    );
    for (const path of paths) {
      // The whole-answer fallback only for a primitive: an object is not a label.
      if (path.length === 0 && typeof answer.json === 'object' && answer.json !== null) continue;
      const label = predictedLabel(answer, path);
      if (label !== undefined) return label;
    }
    return undefined;
  };
}
