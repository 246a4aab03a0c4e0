import { getAtPath, type JsonPathSegment, parseJsonPath } from './json-path';
import type { ComparatorConfig, ComparisonResult, ModelAnswer } from './types';
import { canonicalLabel, finiteNumber } from './values';

type ClassificationConfig = Extract<ComparatorConfig, { type: 'classification' }>;

/**
 * The label an answer predicts, in canonical form (see `canonicalLabel`), or `undefined`.
 * A root path (`$`) on a non-JSON answer reads the whole text, for models that answer `churn`.
 */
export function predictedLabel(
  answer: ModelAnswer,
  labelPath: readonly JsonPathSegment[],
): string | undefined {
  if (answer.json === undefined) return labelPath.length === 0 ? canonicalLabel(answer.text) : undefined;
  const found = getAtPath(answer.json, labelPath);
  return found.found ? canonicalLabel(found.value) : undefined;
}

/**
 * Agreement of two classifiers on one input: the same label and, when a score path is set,
 * scores no further apart than `maxScoreDelta`. `metrics.labelMatch` is 1/0 and
 * `metrics.scoreDelta` is `|production score - candidate score|` when both answers carry one.
 */
export function classificationComparator(
  config: ClassificationConfig,
): (p: ModelAnswer, c: ModelAnswer) => ComparisonResult {
  const labelPath = parseJsonPath(config.labelPath);
  const scorePath = config.scorePath === undefined ? undefined : parseJsonPath(config.scorePath);
  const maxScoreDelta = config.maxScoreDelta ?? Number.POSITIVE_INFINITY;
  const scoreRequired = Number.isFinite(maxScoreDelta);

  return (production, candidate) => {
    const productionLabel = predictedLabel(production, labelPath);
    const candidateLabel = predictedLabel(candidate, labelPath);
    if (productionLabel === undefined || candidateLabel === undefined) {
      const side = productionLabel === undefined ? 'production' : 'candidate';
      return result(false, { labelMatch: 0 }, `label missing in ${side} answer`);
    }
    const labelMatch = productionLabel === candidateLabel;
    const metrics: Record<string, number> = { labelMatch: labelMatch ? 1 : 0 };

    if (scorePath !== undefined) {
      const productionScore = score(production, scorePath);
      const candidateScore = score(candidate, scorePath);
      if (productionScore !== undefined && candidateScore !== undefined) {
        metrics.scoreDelta = Math.abs(productionScore - candidateScore);
      } else if (scoreRequired) {
        const side = productionScore === undefined ? 'production' : 'candidate';
        return result(false, metrics, `score missing in ${side} answer`);
      }
    }
    if (!labelMatch) return result(false, metrics, 'labels differ');
    const scoreDelta = metrics.scoreDelta;
    if (scoreDelta !== undefined && scoreDelta > maxScoreDelta) {
      return result(false, metrics, `score delta above ${maxScoreDelta}`);
    }
    return result(true, metrics);
  };
}

function score(answer: ModelAnswer, path: readonly JsonPathSegment[]): number | undefined {
  if (answer.json === undefined) return undefined;
  const found = getAtPath(answer.json, path);
  return found.found ? finiteNumber(found.value) : undefined;
}

function result(agree: boolean, metrics: Record<string, number>, reason?: string): ComparisonResult {
  return reason === undefined
    ? { comparator: 'classification', agree, metrics }
    : { comparator: 'classification', agree, metrics, reason };
}
