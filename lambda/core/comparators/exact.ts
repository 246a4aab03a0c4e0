import type { ComparisonResult, ModelAnswer } from './types';
import { jsonEqual } from './values';

/**
 * Normalized equality. JSON answers compare structurally (key order and number spelling such
 * as `1.0` vs `1` do not matter); other answers compare as text with line endings and trailing
 * whitespace normalized, because those differ between serving stacks without meaning anything.
 */
export function compareExact(production: ModelAnswer, candidate: ModelAnswer): ComparisonResult {
  const productionIsJson = production.json !== undefined;
  const candidateIsJson = candidate.json !== undefined;
  if (productionIsJson !== candidateIsJson) {
    return disagree(`${productionIsJson ? 'candidate' : 'production'} answer is not JSON`);
  }
  const equal = productionIsJson
    ? jsonEqual(production.json, candidate.json)
    : normalizeText(production.text) === normalizeText(candidate.text);
  return equal
    ? { comparator: 'exact', agree: true, metrics: { equal: 1 } }
    : disagree(productionIsJson ? 'JSON answers differ' : 'text answers differ');
}

function disagree(reason: string): ComparisonResult {
  return { comparator: 'exact', agree: false, metrics: { equal: 0 }, reason };
}

function normalizeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').trimEnd();
}
