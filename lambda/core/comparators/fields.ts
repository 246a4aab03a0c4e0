import { getAtPath, type JsonPathSegment, parseJsonPath } from './json-path';
import type { ComparatorConfig, ComparisonResult, ModelAnswer } from './types';
import { jsonEqual } from './values';

type FieldsConfig = Extract<ComparatorConfig, { type: 'fields' }>;

interface Tolerance {
  readonly abs: number;
  readonly rel: number;
}

/**
 * Compares selected fields. Numbers (also inside arrays and objects at that path) agree when
 * `|a - b| <= max(absTolerance, relTolerance * max(|a|, |b|))` — Python's `math.isclose` rule,
 * symmetric in the two answers; everything else must be equal. A field present on one side only
 * disagrees; a field absent from both agrees (neither model produced it).
 */
export function fieldsComparator(config: FieldsConfig): (p: ModelAnswer, c: ModelAnswer) => ComparisonResult {
  const fields = config.fields.map((field) => ({
    path: field.path,
    segments: parseJsonPath(field.path),
    tolerance: { abs: field.absTolerance ?? 0, rel: field.relTolerance ?? 0 },
  }));
  return (production, candidate) => {
    let disagreeing = 0;
    let maxAbsDelta = 0;
    let firstReason: string | undefined;
    for (const field of fields) {
      const outcome = compareField(production.json, candidate.json, field.segments, field.tolerance);
      maxAbsDelta = Math.max(maxAbsDelta, outcome.maxAbsDelta);
      if (!outcome.agree) {
        disagreeing += 1;
        firstReason ??= `field "${field.path}" ${outcome.why}`;
      }
    }
    const metrics = { fieldsChecked: fields.length, fieldsDisagreeing: disagreeing, maxAbsDelta };
    if (disagreeing === 0) return { comparator: 'fields', agree: true, metrics };
    const reason = disagreeing > 1 ? `${firstReason} (and ${disagreeing - 1} more)` : firstReason;
    return { comparator: 'fields', agree: false, metrics, ...(reason ? { reason } : {}) };
  };
}

function compareField(
  productionJson: unknown,
  candidateJson: unknown,
  segments: readonly JsonPathSegment[],
  tolerance: Tolerance,
): { readonly agree: boolean; readonly maxAbsDelta: number; readonly why?: string } {
  // A non-JSON answer has no fields: treated as missing.
  const p = productionJson === undefined ? { found: false as const } : getAtPath(productionJson, segments);
  const c = candidateJson === undefined ? { found: false as const } : getAtPath(candidateJson, segments);
  if (!p.found && !c.found) return { agree: true, maxAbsDelta: 0 };
  if (!p.found) return { agree: false, maxAbsDelta: 0, why: 'missing in production answer' };
  if (!c.found) return { agree: false, maxAbsDelta: 0, why: 'missing in candidate answer' };
  const delta = { max: 0 };
  const agree = approximatelyEqual(p.value, c.value, tolerance, delta);
  return agree ? { agree, maxAbsDelta: delta.max } : { agree, maxAbsDelta: delta.max, why: 'differs' };
}

/** `jsonEqual` with numeric tolerance; records the largest numeric difference seen. */
function approximatelyEqual(a: unknown, b: unknown, tolerance: Tolerance, delta: { max: number }): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    const diff = Math.abs(a - b);
    delta.max = Math.max(delta.max, diff);
    return diff <= Math.max(tolerance.abs, tolerance.rel * Math.max(Math.abs(a), Math.abs(b)));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    let all = true;
    for (let i = 0; i < a.length; i++) all = approximatelyEqual(a[i], b[i], tolerance, delta) && all;
    return all;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length || !keys.every((key) => Object.hasOwn(b, key))) return false;
    let all = true;
    for (const key of keys) all = approximatelyEqual(a[key], b[key], tolerance, delta) && all;
    return all;
  }
  return jsonEqual(a, b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
