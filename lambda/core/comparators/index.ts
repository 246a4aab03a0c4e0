import { isPlainObject, schemaProblems } from '../schema';
import { classificationComparator } from './classification';
import { compareExact } from './exact';
import { fieldsComparator } from './fields';
import { rankingComparator } from './ranking';
import type { Comparator } from './types';
import { type ComparatorConfig, comparatorConfigSchema } from './types';

export { predictedLabel } from './classification';
export { decodeAnswer } from './decode-answer';
export { compareExact } from './exact';
export { getAtPath, getPath, InvalidJsonPathError, type JsonPathSegment, parseJsonPath } from './json-path';
export { kendallTauB, topKOverlap } from './ranking';
export type { Comparator, ComparatorConfig, ComparisonResult, ModelAnswer } from './types';
export { MAX_RANKING_K } from './types';
export { canonicalLabel, jsonEqual } from './values';

export class InvalidComparatorConfigError extends Error {
  override readonly name = 'InvalidComparatorConfigError';
}

/**
 * The comparator a deployment configured. Paths are parsed here, once, so a bad config fails at
 * cold start instead of on every comparison. Throws `InvalidComparatorConfigError`.
 */
export function createComparator(config: ComparatorConfig): Comparator {
  const checked = validateComparatorConfig(config);
  switch (checked.type) {
    case 'exact':
      return compareExact;
    case 'fields':
      return fieldsComparator(checked);
    case 'classification':
      return classificationComparator(checked);
    case 'ranking':
      return rankingComparator(checked);
  }
}

/** Parses the `COMPARATOR` environment variable (JSON); throws one error listing every problem. */
export function parseComparatorConfig(json: string): ComparatorConfig {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidComparatorConfigError(
      `Invalid comparator config: not JSON (${(error as Error).message})`,
    );
  }
  return validateComparatorConfig(value);
}

/** Checks an untrusted value is a `ComparatorConfig`, collecting every problem before throwing. */
export function validateComparatorConfig(value: unknown): ComparatorConfig {
  const problems = comparatorConfigProblems(value);
  if (problems.length > 0) {
    throw new InvalidComparatorConfigError(`Invalid comparator config:\n  - ${problems.join('\n  - ')}`);
  }
  return value as ComparatorConfig;
}

/** Every problem with a would-be comparator config; empty when it is valid. */
export function comparatorConfigProblems(value: unknown): string[] {
  if (!isPlainObject(value)) return ['must be a JSON object'];
  return schemaProblems(comparatorConfigSchema(), value);
}
