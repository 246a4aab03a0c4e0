import * as v from 'valibot';
import { UserError } from '../errors';
import { type Guardrails, guardrailEntries } from '../guardrails';
import { schemaProblems } from '../schema';
import { formatDuration, parseDuration } from './duration';

/** The guardrails a plan step may tighten or loosen for itself (the verdict's, not the alarms'). */
export const STEP_GUARDRAIL_KEYS = [
  'maxP99LatencyMs',
  'maxLatencyIncreaseMs',
  'maxErrorRate',
  'minAgreement',
  'maxConversionDrop',
  'maxConversionDropRelative',
  'minSampleSize',
  'plannedRecords',
] as const satisfies readonly (keyof Guardrails)[];

export type StepGuardrails = Partial<Pick<Guardrails, (typeof STEP_GUARDRAIL_KEYS)[number]>>;

/** One step of a rollout: a canary share held until the evidence of this step alone decides. */
export interface RolloutStep {
  /** Share (0..100) of users served by the candidate; 0 is shadow only. */
  readonly canaryPercent: number;
  /** Shadow sample rate during the step; absent: the rate in force when the rollout started. */
  readonly sampleRate?: number;
  /** Bake time: the step never advances earlier, whatever the verdict. */
  readonly minDurationMs: number;
  /** Still undecided (CONTINUE) at this age, the rollout pauses and notifies. */
  readonly maxDurationMs: number;
  /** Fewest observations (records judged in this step) before it may advance. */
  readonly minSamples: number;
  /** Stage guardrails overridden for this step's verdict. */
  readonly guardrails?: StepGuardrails;
}

export interface RolloutPlan {
  readonly steps: readonly RolloutStep[];
  /** Promote the candidate after the last step passes; otherwise the rollout completes there. */
  readonly promote: boolean;
}

/**
 * A plan as people write it (a JSON file, or a stage's default in lib/config): durations are
 * strings with a unit.
 * ```json
 * { "steps": [ { "canaryPercent": 0, "sampleRate": 0.5, "minDuration": "24h", "maxDuration": "72h", "minSamples": 2000 },
 *              { "canaryPercent": 10, "minDuration": "4h", "maxDuration": "24h" } ],
 *   "promote": true }
 * ```
 */
export interface RolloutPlanSpec {
  readonly steps: readonly RolloutStepSpec[];
  readonly promote?: boolean;
}

export interface RolloutStepSpec {
  readonly canaryPercent: number;
  readonly sampleRate?: number;
  readonly minDuration: string;
  readonly maxDuration: string;
  readonly minSamples?: number;
  readonly guardrails?: StepGuardrails;
}

export const MAX_PLAN_STEPS = 20;

export class InvalidRolloutPlanError extends UserError {
  override readonly name = 'InvalidRolloutPlanError';
  constructor(
    readonly problems: readonly string[],
    readonly source = 'rollout plan',
  ) {
    super(`invalid ${source}: ${problems.join('; ')}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

const STEP_KEYS = new Set([
  'canaryPercent',
  'sampleRate',
  'minDuration',
  'maxDuration',
  'minSamples',
  'guardrails',
]);

/** Every problem with a plan, one sentence each (empty when it is valid). */
export function planProblems(raw: unknown): string[] {
  if (!isObject(raw)) return ['a plan must be a JSON object like {"steps": [...], "promote": true}'];
  const problems: string[] = [];
  for (const key of Object.keys(raw))
    if (key !== 'steps' && key !== 'promote')
      problems.push(`unknown field "${key}" (expected steps, promote)`);
  if ('promote' in raw && typeof raw.promote !== 'boolean') problems.push('promote must be true or false');
  const steps = raw.steps;
  if (!Array.isArray(steps) || steps.length === 0) {
    problems.push('steps must be a non-empty list of steps');
    return problems;
  }
  if (steps.length > MAX_PLAN_STEPS)
    problems.push(`a plan has at most ${MAX_PLAN_STEPS} steps, got ${steps.length}`);
  let previousPercent = 0;
  steps.forEach((step: unknown, i) => {
    const at = `steps[${i}]`;
    if (!isObject(step)) {
      problems.push(`${at} must be an object`);
      return;
    }
    for (const key of Object.keys(step))
      if (!STEP_KEYS.has(key))
        problems.push(`${at}: unknown field "${key}" (expected ${[...STEP_KEYS].join(', ')})`);
    if (!isNumberIn(step.canaryPercent, 0, 100)) {
      problems.push(`${at}.canaryPercent must be a number from 0 to 100`);
    } else {
      if (step.canaryPercent < previousPercent)
        problems.push(
          `${at}.canaryPercent ${step.canaryPercent} is below the previous step's ${previousPercent}: a rollout only widens the canary`,
        );
      previousPercent = Math.max(previousPercent, step.canaryPercent);
    }
    if ('sampleRate' in step && !isNumberIn(step.sampleRate, 0, 1))
      problems.push(`${at}.sampleRate must be a number from 0 to 1`);
    if (step.canaryPercent === 0 && step.sampleRate === 0)
      problems.push(`${at} is shadow only (canaryPercent 0) with sampleRate 0: it would gather no evidence`);
    const min = parseDuration(step.minDuration);
    const max = parseDuration(step.maxDuration);
    if (min === undefined)
      problems.push(
        `${at}.minDuration must be a duration such as "30s", "15m" or "4h", got ${JSON.stringify(step.minDuration)}`,
      );
    if (max === undefined)
      problems.push(
        `${at}.maxDuration must be a duration such as "30s", "15m" or "4h", got ${JSON.stringify(step.maxDuration)}`,
      );
    if (min !== undefined && max !== undefined && min > max)
      problems.push(
        `${at}.minDuration ${step.minDuration} is longer than its maxDuration ${step.maxDuration}`,
      );
    if ('minSamples' in step && !(Number.isInteger(step.minSamples) && (step.minSamples as number) >= 0))
      problems.push(`${at}.minSamples must be a whole number >= 0`);
    if ('guardrails' in step) problems.push(...stepGuardrailProblems(step.guardrails, at));
  });
  return problems;
}

function stepGuardrailProblems(raw: unknown, at: string): string[] {
  if (!isObject(raw)) return [`${at}.guardrails must be an object of guardrail overrides`];
  const problems: string[] = [];
  const known = new Set<string>(STEP_GUARDRAIL_KEYS);
  for (const key of Object.keys(raw)) {
    if (!known.has(key))
      problems.push(
        `${at}.guardrails: unknown guardrail "${key}" (expected ${STEP_GUARDRAIL_KEYS.join(', ')})`,
      );
  }
  // The same types and ranges as the stage's guardrails, each override optional.
  const entries = guardrailEntries();
  const overrides = v.partial(
    v.object(Object.fromEntries(STEP_GUARDRAIL_KEYS.map((key) => [key, entries[key]]))),
  );
  problems.push(...schemaProblems(overrides, raw, `${at}.guardrails.`));
  return problems;
}

/** A plan spec checked and converted; every problem is listed in the error. */
export function parsePlan(raw: unknown, source = 'rollout plan'): RolloutPlan {
  const problems = planProblems(raw);
  if (problems.length > 0) throw new InvalidRolloutPlanError(problems, source);
  const spec = raw as RolloutPlanSpec;
  return {
    promote: spec.promote ?? true,
    steps: spec.steps.map((step) => ({
      canaryPercent: step.canaryPercent,
      ...(step.sampleRate === undefined ? {} : { sampleRate: step.sampleRate }),
      minDurationMs: parseDuration(step.minDuration) as number,
      maxDurationMs: parseDuration(step.maxDuration) as number,
      minSamples: step.minSamples ?? 0,
      ...(step.guardrails === undefined ? {} : { guardrails: { ...step.guardrails } }),
    })),
  };
}

/** The spec form of a plan (for status output and plan files written back). */
export function planSpec(plan: RolloutPlan): RolloutPlanSpec {
  return {
    promote: plan.promote,
    steps: plan.steps.map((step) => ({
      canaryPercent: step.canaryPercent,
      ...(step.sampleRate === undefined ? {} : { sampleRate: step.sampleRate }),
      minDuration: formatDuration(step.minDurationMs),
      maxDuration: formatDuration(step.maxDurationMs),
      minSamples: step.minSamples,
      ...(step.guardrails === undefined ? {} : { guardrails: step.guardrails }),
    })),
  };
}

/** One line per step, for people: "1. canary 10%, 4h..24h, ≥ 500 samples". */
export function describeStep(step: RolloutStep, index: number): string {
  const share = step.canaryPercent === 0 ? 'shadow only' : `canary ${step.canaryPercent}%`;
  const rate = step.sampleRate === undefined ? '' : `, sample rate ${step.sampleRate}`;
  const samples = step.minSamples > 0 ? `, >= ${step.minSamples} samples` : '';
  return `${index}. ${share}${rate}, ${formatDuration(step.minDurationMs)}..${formatDuration(step.maxDurationMs)}${samples}`;
}
