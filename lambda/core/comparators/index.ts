import { classificationComparator } from './classification';
import { compareExact } from './exact';
import { fieldsComparator } from './fields';
import { parseJsonPath } from './json-path';
import { rankingComparator } from './ranking';
import type { Comparator, ComparatorConfig } from './types';

export { predictedLabel } from './classification';
export { decodeAnswer } from './decode-answer';
export { compareExact } from './exact';
export { getAtPath, getPath, InvalidJsonPathError, type JsonPathSegment, parseJsonPath } from './json-path';
export { kendallTauB, topKOverlap } from './ranking';
export type { Comparator, ComparatorConfig, ComparisonResult, ModelAnswer } from './types';
export { canonicalLabel, jsonEqual } from './values';

/** Largest k the ranking comparator accepts; tau-b over the union is quadratic in k. */
export const MAX_RANKING_K = 1000;

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

const TYPES = ['exact', 'fields', 'classification', 'ranking'] as const;

/** Every problem with a would-be comparator config; empty when it is valid. */
export function comparatorConfigProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['must be a JSON object'];
  const config = value as Record<string, unknown>;
  const problems: string[] = [];
  const path = (name: string, required: boolean) => {
    const raw = config[name];
    if (raw === undefined && !required) return;
    if (typeof raw !== 'string') {
      problems.push(`${name} must be a JSON path string`);
      return;
    }
    try {
      parseJsonPath(raw);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  };
  const number = (name: string, valid: (n: number) => boolean, expected: string, required: boolean) => {
    const raw = config[name];
    if (raw === undefined && !required) return;
    if (typeof raw !== 'number' || !Number.isFinite(raw) || !valid(raw))
      problems.push(`${name} must be ${expected}`);
  };

  switch (config.type) {
    case 'exact':
      break;
    case 'classification':
      path('labelPath', true);
      path('scorePath', false);
      number('maxScoreDelta', (n) => n >= 0, 'a number >= 0', false);
      break;
    case 'fields': {
      const fields = config.fields;
      if (!Array.isArray(fields) || fields.length === 0) {
        problems.push('fields must be a non-empty array of { path, absTolerance?, relTolerance? }');
        break;
      }
      fields.forEach((field: unknown, i) => {
        const f = (typeof field === 'object' && field !== null ? field : {}) as Record<string, unknown>;
        if (typeof f.path !== 'string') problems.push(`fields[${i}].path must be a JSON path string`);
        else {
          try {
            parseJsonPath(f.path);
          } catch (error) {
            problems.push(`fields[${i}].path: ${(error as Error).message}`);
          }
        }
        for (const name of ['absTolerance', 'relTolerance'] as const) {
          const t = f[name];
          if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0)) {
            problems.push(`fields[${i}].${name} must be a number >= 0`);
          }
        }
      });
      break;
    }
    case 'ranking':
      path('itemsPath', true);
      number(
        'k',
        (n) => Number.isInteger(n) && n >= 1 && n <= MAX_RANKING_K,
        `an integer in [1, ${MAX_RANKING_K}]`,
        true,
      );
      number('minOverlap', (n) => n >= 0 && n <= 1, 'a number in [0, 1]', true);
      number('minRankCorrelation', (n) => n >= -1 && n <= 1, 'a number in [-1, 1]', false);
      break;
    default:
      problems.push(
        `type must be one of ${TYPES.join(', ')} (got ${JSON.stringify(config.type) ?? 'nothing'})`,
      );
  }
  return problems;
}
