import * as v from 'valibot';
import { fields, isPlainObject, schemaProblems } from './schema';

/** Thresholds that decide alarms and the verdict (docs/verdict.md says what each one means). */
export interface Guardrails {
  /** Max candidate p99 latency (ms); a failed or timed-out call counts at least as the timeout. */
  readonly maxP99LatencyMs: number;
  /** Max candidate p99 increase over production on the same requests (ms). */
  readonly maxLatencyIncreaseMs: number;
  /** Max error rate (0..1) of the candidate. */
  readonly maxErrorRate: number;
  /** Min agreement rate (0..1) between candidate and production (noise-adjusted with a baseline). */
  readonly minAgreement: number;
  /**
   * Whether agreement can block the verdict (`guardrail`) or is only reported (`evidence`): a
   * model that is meant to answer differently (a better one) must not be rejected for it; judge
   * it on accuracy instead. @default 'guardrail'
   */
  readonly agreement?: 'guardrail' | 'evidence';
  /**
   * Accuracy non-inferiority margin (0..1, absolute): the candidate's accuracy against posted
   * labels may be at most this much below production's. Judged once labels arrive. @default 0.01
   */
  readonly maxAccuracyDrop?: number;
  /** Max absolute conversion-rate drop of the canary versus production (0..1, e.g. 0.01 = 1 point). */
  readonly maxConversionDrop: number;
  /**
   * Max relative conversion-rate drop of the canary versus production (0..1: 0.1 = the canary
   * converts at least 90 % as often as production), judged per user like the absolute drop.
   * Use it where base rates differ a lot between products or seasons, so that one absolute
   * number would be too strict for some and too loose for others. Absent: not judged.
   */
  readonly maxConversionDropRelative?: number;
  /** Fewest comparisons before a PROMOTE (a REJECT may come earlier: its tests are always valid). */
  readonly minSampleSize: number;
  /**
   * Records (requests) the experiment is planned to run for, if it has a plan. Conversion's REJECT
   * test then spends most of its error rate by that size (a boundary tightest there, valid up to
   * it) beside the open-ended one, which keeps the rest: the canary's conversion is decided within
   * the plan about as often as a one-shot test at the plan would, and the verdict stays valid when
   * read at any time, after the plan too (docs/verdict.md, "Conversion within a planned length").
   * Absent: the open-ended test alone.
   */
  readonly plannedRecords?: number;
  /** Fewest joined outcomes per variant in an alarm period before the conversion alarm may fire. */
  readonly minConversionTraffic: number;
  /** Max age (s) of the oldest shadow message before the backlog alarm fires. */
  readonly maxShadowBacklogAgeSeconds: number;
}

export const DEFAULT_MAX_ACCURACY_DROP = 0.01;

/** A finite number for which `ok` holds; one message, naming the range and the value, for any miss. */
function numberWhere(ok: (n: number) => boolean, range: string) {
  const message = (issue: { readonly input: unknown }) =>
    `must be ${range}, got ${typeof issue.input === 'number' ? issue.input : (JSON.stringify(issue.input) ?? 'nothing')}`;
  return v.pipe(
    v.number(message),
    v.check((n: number) => Number.isFinite(n) && ok(n), message),
  );
}

/**
 * Every guardrail's type and range, declared once: the stage's guardrails (synth, cold start,
 * the report) and a rollout step's overrides (lambda/core/rollout/plan.ts) are checked by it.
 * Built on first use, not at module scope (lambda/core/schema.ts says why).
 */
export function guardrailEntries() {
  const rate = (why = '') => numberWhere((n) => n > 0 && n < 1, `in (0, 1)${why}`);
  return {
    maxP99LatencyMs: numberWhere((n) => n > 0, '> 0 (ms)'),
    maxLatencyIncreaseMs: numberWhere((n) => n >= 0, '>= 0 (ms)'),
    maxErrorRate: rate(' (at 0 no candidate could ever be shown to meet it)'),
    minAgreement: rate(),
    agreement: v.optional(
      v.picklist(
        ['guardrail', 'evidence'],
        (issue) => `must be "guardrail" or "evidence", got ${JSON.stringify(issue.input)}`,
      ),
    ),
    maxAccuracyDrop: v.optional(rate()),
    maxConversionDrop: rate(),
    maxConversionDropRelative: v.optional(rate()),
    minSampleSize: numberWhere((n) => Number.isInteger(n) && n >= 1, 'a whole number, at least 1'),
    plannedRecords: v.optional(
      numberWhere((n) => Number.isInteger(n) && n >= 100, 'a whole number, at least 100 (records)'),
    ),
    minConversionTraffic: numberWhere((n) => n >= 1, 'at least 1'),
    maxShadowBacklogAgeSeconds: numberWhere((n) => n >= 60, 'at least 60 (s)'),
  } as const;
}

/**
 * Every problem with a set of guardrails, each as one sentence naming the setting, its value and
 * the allowed range; empty when they are usable.
 */
export function guardrailProblems(value: unknown): string[] {
  if (!isPlainObject(value)) return ['guardrails must be an object'];
  return schemaProblems(fields(guardrailEntries()), value, 'guardrails.');
}

export class GuardrailsError extends Error {
  override readonly name = 'GuardrailsError';
}

/** Throws one error listing every problem. */
export function assertGuardrails(value: unknown): asserts value is Guardrails {
  const problems = guardrailProblems(value);
  if (problems.length > 0) throw new GuardrailsError(`invalid guardrails: ${problems.join('; ')}`);
}

/** Parses the GUARDRAILS variable (JSON of the stage's guardrails), naming every problem. */
export function parseGuardrails(json: string): Guardrails {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new GuardrailsError('guardrails are not valid JSON');
  }
  assertGuardrails(value);
  return value;
}

// The interface documents each guardrail; this stops compiling if the schema drifts from it.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Declared = v.InferOutput<v.ObjectSchema<ReturnType<typeof guardrailEntries>, undefined>>;
type Assert<T extends true> = T;
export type SchemaMatchesInterface = Assert<Same<Declared, Guardrails>>;
