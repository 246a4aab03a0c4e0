import type { RoutingKnobs } from '../runtime-config';
import type { RolloutPlan, RolloutStep, StepGuardrails } from './plan';

/**
 * - `running`: the controller judges the current step on every tick.
 * - `paused`: held at the current step (by a person, by a routing change made outside the
 *   rollout, or because the step stayed inconclusive until its maximum duration); nothing
 *   advances until `resume`, but a REJECT, an INVALID verdict or a guardrail alarm still rolls back.
 * - `promoted`, `rolled_back`, `aborted`, `completed` (last step passed, the plan does not
 *   promote): ended.
 */
export const ROLLOUT_STATES = [
  'running',
  'paused',
  'promoted',
  'rolled_back',
  'aborted',
  'completed',
] as const;
export type RolloutStateName = (typeof ROLLOUT_STATES)[number];

export type ActiveRollout = Rollout & { readonly state: 'running' | 'paused' };

export const isActive = (rollout: Rollout | undefined): rollout is ActiveRollout =>
  rollout !== undefined && (rollout.state === 'running' || rollout.state === 'paused');

export type VerdictDecision = 'PROMOTE' | 'CONTINUE' | 'REJECT' | 'INVALID';

/** What the verdict said about a step, as recorded with a transition. */
export interface StepEvidence {
  readonly decision: VerdictDecision;
  /** Observations judged: records since the step began. */
  readonly samples: number;
  /** One line for people, with the numbers. */
  readonly summary: string;
  /** The guardrail behind a REJECT. */
  readonly guardrail?: string;
}

export type RolloutEvent =
  | 'start'
  | 'advance'
  | 'promote'
  | 'complete'
  | 'rollback'
  | 'pause'
  | 'resume'
  | 'abort'
  | 'manual-change'
  | 'breaker-open'
  | 'breaker-close';

/** One transition of a rollout: who or what, why, with which evidence, and what it set. */
export interface RolloutTransition {
  readonly at: string;
  readonly by: string;
  readonly event: RolloutEvent;
  /** State after the transition. */
  readonly state: RolloutStateName;
  /** Step after the transition (0-based). */
  readonly step: number;
  readonly canaryPercent: number;
  readonly sampleRate: number;
  readonly reason: string;
  readonly evidence?: StepEvidence;
}

export interface RolloutHold {
  readonly at: string;
  readonly by: string;
  readonly reason: string;
}

export interface Rollout {
  readonly id: string;
  readonly state: RolloutStateName;
  readonly plan: RolloutPlan;
  /** Where the plan came from: "stage dev default" or a file name. */
  readonly planSource: string;
  readonly candidate: string;
  readonly production: string;
  /** Shadow sample rate when the rollout started: the rate of steps that name none. */
  readonly baseSampleRate: number;
  readonly startedAt: string;
  readonly startedBy: string;
  readonly reason: string;
  /** Current step, 0-based. */
  readonly step: number;
  /** The step's data window starts here: evidence from earlier steps is never pooled. */
  readonly stepStartedAt: string;
  /** Still CONTINUE at this time, the rollout pauses (the step's maxDuration, extended by resume). */
  readonly stepDeadline: string;
  readonly hold?: RolloutHold;
  readonly endedAt?: string;
  /** Oldest first. */
  readonly transitions: readonly RolloutTransition[];
}

/** Open while the candidate fails or the shadow backlog ages: the sample rate is lowered. */
export interface ShadowBreaker {
  readonly openedAt: string;
  readonly reason: string;
  /** The rate to restore when healthy (what the plan or a person set). */
  readonly nominalSampleRate: number;
  /** The rate applied while open. */
  readonly reducedSampleRate: number;
}

/** A rollout keeps this many transitions (a long walk with a flapping breaker stays bounded). */
export const MAX_TRANSITIONS = 200;

export function currentStep(rollout: Rollout): RolloutStep {
  const step = rollout.plan.steps[rollout.step];
  if (step === undefined) throw new RangeError(`rollout ${rollout.id} has no step ${rollout.step}`);
  return step;
}

/** The shadow sample rate a step asks for (its own, or the rate when the rollout started). */
export function stepSampleRate(rollout: Rollout, index = rollout.step): number {
  return rollout.plan.steps[index]?.sampleRate ?? rollout.baseSampleRate;
}

/** The stage guardrails with the current step's overrides. */
export function stepGuardrails<G extends StepGuardrails>(stage: G, rollout: Rollout): G {
  return { ...stage, ...currentStep(rollout).guardrails };
}

/**
 * The routing the rollout expects now: the step's share and the candidate it rolls out; the
 * sample rate is the step's, or the breaker's reduced rate while it is open.
 */
export function expectedKnobs(
  rollout: Rollout,
  breaker: ShadowBreaker | undefined,
): Pick<RoutingKnobs, 'canaryPercent' | 'sampleRate' | 'productionEndpoint'> & { candidate: string } {
  return {
    canaryPercent: currentStep(rollout).canaryPercent,
    sampleRate: breaker ? breaker.reducedSampleRate : stepSampleRate(rollout),
    productionEndpoint: rollout.production,
    candidate: rollout.candidate,
  };
}

/** How the routing differs from what the rollout set, in words; undefined when it does not. */
export function routingDrift(
  rollout: Rollout,
  breaker: ShadowBreaker | undefined,
  knobs: RoutingKnobs,
): string | undefined {
  const expected = expectedKnobs(rollout, breaker);
  const drift: string[] = [];
  if (knobs.productionEndpoint !== expected.productionEndpoint)
    drift.push(
      `production is ${knobs.productionEndpoint}, the rollout started with ${expected.productionEndpoint}`,
    );
  if (knobs.candidateEndpoints[0] !== expected.candidate)
    drift.push(
      `the candidate is ${knobs.candidateEndpoints[0] ?? '(none)'}, the rollout rolls out ${expected.candidate}`,
    );
  if (knobs.canaryPercent !== expected.canaryPercent)
    drift.push(`canary ${knobs.canaryPercent}% where step ${rollout.step} sets ${expected.canaryPercent}%`);
  if (knobs.sampleRate !== expected.sampleRate)
    drift.push(`sample rate ${knobs.sampleRate} where the rollout sets ${expected.sampleRate}`);
  if (!knobs.shadowEnabled) drift.push('shadow was switched off');
  return drift.length === 0 ? undefined : drift.join('; ');
}

export function withTransition(rollout: Rollout, transition: RolloutTransition): RolloutTransition[] {
  return [...rollout.transitions, transition].slice(-MAX_TRANSITIONS);
}

/** Ends an active rollout (promote, rollback, abort, completion), recording why. */
export function endRollout(
  rollout: Rollout,
  state: Exclude<RolloutStateName, 'running' | 'paused'>,
  event: RolloutEvent,
  meta: {
    readonly at: string;
    readonly by: string;
    readonly reason: string;
    readonly evidence?: StepEvidence;
  },
  routing: { readonly canaryPercent: number; readonly sampleRate: number },
): Rollout {
  const { hold: _hold, ...rest } = rollout;
  return {
    ...rest,
    state,
    endedAt: meta.at,
    transitions: withTransition(rollout, {
      at: meta.at,
      by: meta.by,
      event,
      state,
      step: rollout.step,
      canaryPercent: routing.canaryPercent,
      sampleRate: routing.sampleRate,
      reason: meta.reason,
      ...(meta.evidence ? { evidence: meta.evidence } : {}),
    }),
  };
}

/** Holds an active rollout at its step (a person, a routing change made elsewhere, an inconclusive step). */
export function pauseRollout(
  rollout: Rollout,
  event: Extract<RolloutEvent, 'pause' | 'manual-change'>,
  meta: {
    readonly at: string;
    readonly by: string;
    readonly reason: string;
    readonly evidence?: StepEvidence;
  },
  routing: { readonly canaryPercent: number; readonly sampleRate: number },
): Rollout {
  return {
    ...rollout,
    state: 'paused',
    hold: { at: meta.at, by: meta.by, reason: meta.reason },
    transitions: withTransition(rollout, {
      at: meta.at,
      by: meta.by,
      event,
      state: 'paused',
      step: rollout.step,
      canaryPercent: routing.canaryPercent,
      sampleRate: routing.sampleRate,
      reason: meta.reason,
      ...(meta.evidence ? { evidence: meta.evidence } : {}),
    }),
  };
}

/** Moves to a step: its share applies now and its data window starts now. */
export function enterStep(
  rollout: Rollout,
  index: number,
  event: Extract<RolloutEvent, 'start' | 'advance' | 'resume'>,
  meta: {
    readonly at: string;
    readonly by: string;
    readonly reason: string;
    readonly evidence?: StepEvidence;
  },
  sampleRate: number,
): Rollout {
  const step = rollout.plan.steps[index];
  if (step === undefined) throw new RangeError(`the plan has no step ${index}`);
  const { hold: _hold, ...rest } = rollout;
  const next: Rollout = {
    ...rest,
    state: 'running',
    step: index,
    stepStartedAt: meta.at,
    stepDeadline: new Date(Date.parse(meta.at) + step.maxDurationMs).toISOString(),
  };
  return {
    ...next,
    transitions: withTransition(rollout, {
      at: meta.at,
      by: meta.by,
      event,
      state: 'running',
      step: index,
      canaryPercent: step.canaryPercent,
      sampleRate,
      reason: meta.reason,
      ...(meta.evidence ? { evidence: meta.evidence } : {}),
    }),
  };
}
