import {
  type ChangeMeta,
  effectiveKnobs,
  evidenceLine,
  InvalidConfigChangeError,
  nextDocument,
  type RoutingKnobs,
  type RoutingOverrides,
  type RuntimeConfigDocument,
} from '../runtime-config';
import type { BreakerDecision } from './breaker';
import type { TickDecision } from './controller';
import type { RolloutPlan } from './plan';
import {
  currentStep,
  endRollout,
  enterStep,
  isActive,
  pauseRollout,
  type Rollout,
  routingDrift,
  stepSampleRate,
  withTransition,
} from './rollout';

/** Who the controller is in the history. */
export const CONTROLLER = 'rollout-controller';

type Meta = Omit<ChangeMeta, 'allowedEndpoints'>;

/**
 * Starts a rollout: step 0's share and sample rate apply now. Refused while another rollout is
 * active, without a candidate (or when the only candidate is the previous production kept for
 * rollback), with shadow switched off, or while the circuit breaker holds the sample rate down.
 */
export function startRolloutDocument(
  deployTime: RoutingKnobs,
  current: RuntimeConfigDocument | undefined,
  start: { readonly id: string; readonly plan: RolloutPlan; readonly planSource: string },
  meta: Meta,
): RuntimeConfigDocument {
  const knobs = effectiveKnobs(deployTime, current);
  const active = current?.rollout;
  if (isActive(active))
    throw new InvalidConfigChangeError(
      `a rollout is already ${active.state} (${active.candidate}, step ${active.step} of ${active.plan.steps.length}); pause, resume or abort it first`,
    );
  const candidate = knobs.candidateEndpoints[0];
  if (candidate === undefined) throw new InvalidConfigChangeError('there is no candidate to roll out');
  if (candidate === current?.previousProduction)
    throw new InvalidConfigChangeError(
      `the candidate ${candidate} is the previous production, kept for rollback; deploy a new candidate first`,
    );
  if (!knobs.shadowEnabled)
    throw new InvalidConfigChangeError('shadow is switched off; turn it on first (set --shadow on)');
  if (current?.breaker)
    throw new InvalidConfigChangeError(
      `the shadow circuit breaker is open (${current.breaker.reason}); start when the candidate is healthy`,
    );
  const draft: Rollout = {
    id: start.id,
    state: 'running',
    plan: start.plan,
    planSource: start.planSource,
    candidate,
    production: knobs.productionEndpoint,
    baseSampleRate: knobs.sampleRate,
    startedAt: meta.at,
    startedBy: meta.by,
    reason: meta.reason,
    step: 0,
    stepStartedAt: meta.at,
    stepDeadline: meta.at,
    transitions: [],
  };
  const sampleRate = stepSampleRate(draft, 0);
  const rollout = enterStep(
    draft,
    0,
    'start',
    { ...meta, reason: `${start.planSource}: ${meta.reason}` },
    sampleRate,
  );
  return nextDocument(
    deployTime,
    current,
    {
      action: 'rollout-start',
      ...meta,
      changed: { canaryPercent: currentStep(rollout).canaryPercent, sampleRate },
    },
    { rollout, breaker: undefined },
  );
}

export type HoldAction = 'pause' | 'resume' | 'abort';

/**
 * A person's hold on the rollout.
 * - pause: running → paused; nothing advances (a REJECT still rolls back).
 * - resume: paused → running at the same step. When the routing is still the step's, the step's
 *   data keeps counting and its deadline restarts; when it was changed meanwhile, the step's
 *   share and sample rate are applied again and the step starts over (a new experiment).
 * - abort: ends the rollout and returns to shadow only (canary 0), without judging the candidate.
 */
export function holdRolloutDocument(
  deployTime: RoutingKnobs,
  current: RuntimeConfigDocument | undefined,
  action: HoldAction,
  meta: Meta,
): RuntimeConfigDocument {
  const rollout = current?.rollout;
  const knobs = effectiveKnobs(deployTime, current);
  if (!isActive(rollout))
    throw new InvalidConfigChangeError(
      rollout === undefined
        ? 'no rollout was started'
        : `no rollout is active (the last one ended ${rollout.state})`,
    );
  const routing = { canaryPercent: knobs.canaryPercent, sampleRate: knobs.sampleRate };
  const breaker = current?.breaker;
  switch (action) {
    case 'pause': {
      if (rollout.state === 'paused')
        throw new InvalidConfigChangeError(
          `the rollout is already paused (${rollout.hold?.reason ?? 'on hold'})`,
        );
      return nextDocument(
        deployTime,
        current,
        { action: 'rollout-pause', ...meta, changed: {} },
        { rollout: pauseRollout(rollout, 'pause', meta, routing), breaker },
      );
    }
    case 'resume': {
      if (rollout.state === 'running') throw new InvalidConfigChangeError('the rollout is already running');
      const drift = routingDrift(rollout, breaker, knobs);
      if (drift === undefined) {
        const { hold: _hold, ...rest } = rollout;
        const resumed: Rollout = {
          ...rest,
          state: 'running',
          stepDeadline: new Date(Date.parse(meta.at) + currentStep(rollout).maxDurationMs).toISOString(),
          transitions: withTransition(rollout, {
            at: meta.at,
            by: meta.by,
            event: 'resume',
            state: 'running',
            step: rollout.step,
            ...routing,
            reason: meta.reason,
          }),
        };
        return nextDocument(
          deployTime,
          current,
          { action: 'rollout-resume', ...meta, changed: {} },
          { rollout: resumed, breaker },
        );
      }
      const sampleRate = stepSampleRate(rollout);
      const changed: RoutingOverrides = {
        canaryPercent: currentStep(rollout).canaryPercent,
        sampleRate,
        shadowEnabled: true,
        ...(knobs.productionEndpoint === rollout.production
          ? {}
          : { productionEndpoint: rollout.production }),
        ...(knobs.candidateEndpoints[0] === rollout.candidate
          ? {}
          : {
              candidateEndpoints: [
                rollout.candidate,
                ...knobs.candidateEndpoints.filter((e) => e !== rollout.candidate),
              ],
            }),
      };
      const restarted = enterStep(
        rollout,
        rollout.step,
        'resume',
        { ...meta, reason: `${meta.reason} (step restarted: ${drift})` },
        sampleRate,
      );
      return nextDocument(
        deployTime,
        current,
        { action: 'rollout-resume', ...meta, changed },
        { rollout: restarted, breaker: undefined },
      );
    }
    case 'abort': {
      const sampleRate = breaker ? breaker.nominalSampleRate : knobs.sampleRate;
      return nextDocument(
        deployTime,
        current,
        { action: 'rollout-abort', ...meta, changed: { canaryPercent: 0 } },
        { rollout: endRollout(rollout, 'aborted', 'abort', meta, { canaryPercent: 0, sampleRate }), breaker },
      );
    }
  }
}

/**
 * The document after the controller's decision, or undefined when there is nothing to write.
 * The decision must have been made on this very document version (the caller re-decides after
 * a concurrent change rather than applying a stale decision).
 */
export function applyTickDecision(
  deployTime: RoutingKnobs,
  current: RuntimeConfigDocument,
  decision: TickDecision,
  at: string,
): RuntimeConfigDocument | undefined {
  const rollout = current.rollout;
  if (!isActive(rollout) || decision.kind === 'wait') return undefined;
  const knobs = effectiveKnobs(deployTime, current);
  const meta = { at, by: CONTROLLER, reason: decision.reason };
  const breaker = current.breaker;
  const evidence = 'evidence' in decision && decision.evidence ? decision.evidence : undefined;
  const line = evidence ? { evidence: evidenceLine(evidence) } : {};
  switch (decision.kind) {
    case 'advance': {
      const nominal = stepSampleRate(rollout, decision.toStep);
      const applied = breaker ? breaker.reducedSampleRate : nominal;
      const next = enterStep(
        rollout,
        decision.toStep,
        'advance',
        { ...meta, ...(evidence ? { evidence } : {}) },
        applied,
      );
      const step = currentStep(next);
      return nextDocument(
        deployTime,
        current,
        {
          action: 'rollout-step',
          ...meta,
          ...line,
          changed: { canaryPercent: step.canaryPercent, sampleRate: applied },
        },
        { rollout: next, breaker: breaker ? { ...breaker, nominalSampleRate: nominal } : undefined },
      );
    }
    case 'complete':
      return nextDocument(
        deployTime,
        current,
        { action: 'rollout-complete', ...meta, ...line, changed: {} },
        {
          rollout: endRollout(
            rollout,
            'completed',
            'complete',
            { ...meta, ...(evidence ? { evidence } : {}) },
            {
              canaryPercent: knobs.canaryPercent,
              sampleRate: knobs.sampleRate,
            },
          ),
          breaker,
        },
      );
    case 'pause':
      return nextDocument(
        deployTime,
        current,
        { action: 'rollout-pause', ...meta, ...line, changed: {} },
        {
          rollout: pauseRollout(rollout, 'pause', { ...meta, ...(evidence ? { evidence } : {}) }, knobs),
          breaker,
        },
      );
    case 'manual-change':
      return nextDocument(
        deployTime,
        current,
        { action: 'rollout-pause', ...meta, changed: {} },
        { rollout: pauseRollout(rollout, 'manual-change', meta, knobs), breaker },
      );
    case 'promote':
    case 'rollback':
      // These two go through applyConfigAction, exactly as a person's promote and rollback do.
      throw new Error(`${decision.kind} is applied with applyConfigAction`);
  }
}

/** The document after the breaker's decision, or undefined when there is nothing to write. */
export function applyBreakerDecision(
  deployTime: RoutingKnobs,
  current: RuntimeConfigDocument | undefined,
  decision: BreakerDecision,
  at: string,
): RuntimeConfigDocument | undefined {
  if (decision.kind === 'none') return undefined;
  const meta = { at, by: CONTROLLER, reason: decision.reason };
  const rollout = current?.rollout;
  const note = (sampleRate: number, event: 'breaker-open' | 'breaker-close'): Rollout | undefined =>
    isActive(rollout)
      ? {
          ...rollout,
          transitions: withTransition(rollout, {
            at,
            by: CONTROLLER,
            event,
            state: rollout.state,
            step: rollout.step,
            canaryPercent: currentStep(rollout).canaryPercent,
            sampleRate,
            reason: decision.reason,
          }),
        }
      : rollout;
  if (decision.kind === 'open') {
    const rate = decision.breaker.reducedSampleRate;
    return nextDocument(
      deployTime,
      current,
      { action: 'breaker-open', ...meta, changed: { sampleRate: rate } },
      { rollout: note(rate, 'breaker-open'), breaker: decision.breaker },
    );
  }
  const restore = decision.restoreSampleRate;
  const rate = restore ?? current?.overrides.sampleRate ?? 0;
  return nextDocument(
    deployTime,
    current,
    { action: 'breaker-close', ...meta, changed: restore === undefined ? {} : { sampleRate: restore } },
    { rollout: note(rate, 'breaker-close'), breaker: undefined },
  );
}
