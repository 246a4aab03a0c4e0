import type { RoutingKnobs } from '../runtime-config';
import { formatDuration } from './duration';
import { currentStep, type Rollout, routingDrift, type ShadowBreaker, type StepEvidence } from './rollout';

/** What the controller knows on a tick, all read before deciding. */
export interface TickInput {
  readonly rollout: Rollout;
  readonly breaker: ShadowBreaker | undefined;
  readonly knobs: RoutingKnobs;
  /** The verdict on the current step's data; undefined when it could not be had this tick. */
  readonly verdict: StepEvidence | undefined;
  /** Guardrail alarms in ALARM now (their own action already invokes the rollback function). */
  readonly alarms: readonly string[];
  readonly now: Date;
}

export type TickDecision =
  | { readonly kind: 'wait'; readonly why: string }
  | {
      readonly kind: 'advance';
      readonly toStep: number;
      readonly reason: string;
      readonly evidence: StepEvidence;
    }
  | { readonly kind: 'promote'; readonly reason: string; readonly evidence: StepEvidence }
  | { readonly kind: 'complete'; readonly reason: string; readonly evidence: StepEvidence }
  | { readonly kind: 'rollback'; readonly reason: string; readonly evidence?: StepEvidence }
  | { readonly kind: 'pause'; readonly reason: string; readonly evidence?: StepEvidence }
  | { readonly kind: 'manual-change'; readonly reason: string };

/**
 * The controller's decision for an active rollout, from what it read on this tick. Order:
 * 1. routing changed outside the rollout (and the rollout still runs) → pause: the person wins;
 * 2. a guardrail alarm, a REJECT or an INVALID verdict → roll back (also while paused);
 * 3. paused → nothing else;
 * 4. PROMOTE with the step's bake time and samples → next step, or after the last promote
 *    (or complete when the plan does not promote);
 * 5. still undecided at the step's deadline → pause (inconclusive);
 * 6. otherwise wait.
 */
export function decideTick(input: TickInput): TickDecision {
  const { rollout, verdict, now } = input;
  const step = currentStep(rollout);
  const stepLabel = `step ${rollout.step} (${step.canaryPercent === 0 ? 'shadow' : `canary ${step.canaryPercent}%`})`;

  const drift = rollout.state === 'running' ? routingDrift(rollout, input.breaker, input.knobs) : undefined;
  if (drift !== undefined)
    return { kind: 'manual-change', reason: `routing changed outside the rollout: ${drift}` };

  const firing = input.alarms[0];
  if (firing !== undefined)
    return {
      kind: 'rollback',
      reason: `${stepLabel}: guardrail alarm ${input.alarms.join(', ')} in ALARM`,
      ...(verdict ? { evidence: verdict } : {}),
    };
  if (verdict?.decision === 'REJECT')
    return {
      kind: 'rollback',
      reason: `${stepLabel}: verdict REJECT${verdict.guardrail ? ` on ${verdict.guardrail}` : ''}`,
      evidence: verdict,
    };
  if (verdict?.decision === 'INVALID')
    return {
      kind: 'rollback',
      reason: `${stepLabel}: verdict INVALID (sample ratio mismatch: the data cannot be trusted)`,
      evidence: verdict,
    };

  if (rollout.state !== 'running')
    return { kind: 'wait', why: `paused: ${rollout.hold?.reason ?? 'on hold'}` };
  if (verdict === undefined) return { kind: 'wait', why: 'no verdict this tick' };

  const age = now.getTime() - Date.parse(rollout.stepStartedAt);
  const baked = age >= step.minDurationMs;
  const enoughSamples = verdict.samples >= step.minSamples;
  if (verdict.decision === 'PROMOTE' && baked && enoughSamples) {
    const reason = `${stepLabel} passed after ${formatDuration(Math.max(1000, Math.round(age / 1000) * 1000))} on ${verdict.samples} samples`;
    const next = rollout.step + 1;
    if (next < rollout.plan.steps.length) return { kind: 'advance', toStep: next, reason, evidence: verdict };
    return rollout.plan.promote
      ? { kind: 'promote', reason: `${reason}; last step: promoting ${rollout.candidate}`, evidence: verdict }
      : { kind: 'complete', reason: `${reason}; last step: the plan does not promote`, evidence: verdict };
  }

  if (now.getTime() >= Date.parse(rollout.stepDeadline)) {
    const missing =
      verdict.decision === 'PROMOTE'
        ? `only ${verdict.samples} of ${step.minSamples} samples`
        : `verdict ${verdict.decision}`;
    return {
      kind: 'pause',
      reason: `${stepLabel} inconclusive at its maximum duration ${formatDuration(step.maxDurationMs)} (${missing}): ${verdict.summary}`,
      evidence: verdict,
    };
  }
  if (verdict.decision === 'PROMOTE')
    return {
      kind: 'wait',
      why: baked ? `PROMOTE on ${verdict.samples} of ${step.minSamples} samples` : 'PROMOTE, still baking',
    };
  return { kind: 'wait', why: `verdict ${verdict.decision}` };
}
