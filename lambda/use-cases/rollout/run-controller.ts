import { MetricName } from '../../core/metric-names';
import { type BreakerDecision, type BreakerLimits, decideBreaker } from '../../core/rollout/breaker';
import { decideTick, type TickDecision } from '../../core/rollout/controller';
import { formatDuration } from '../../core/rollout/duration';
import {
  currentStep,
  isActive,
  type Rollout,
  type StepEvidence,
  stepGuardrails,
} from '../../core/rollout/rollout';
import { applyBreakerDecision, applyTickDecision, CONTROLLER } from '../../core/rollout/transitions';
import {
  applyConfigAction,
  effectiveKnobs,
  evidenceLine,
  type RuntimeConfigDocument,
} from '../../core/runtime-config';
import { changeDocument } from './conditional-write';
import type {
  CountingMetrics,
  GuardrailAlarmSource,
  RolloutNotification,
  RolloutNotifier,
  RolloutSettings,
  RuntimeConfigDocuments,
  ShadowHealthSource,
  VerdictSource,
} from './ports';

export interface ControllerPorts {
  readonly config: RuntimeConfigDocuments;
  readonly verdicts: VerdictSource;
  readonly notifier: RolloutNotifier;
  readonly metrics: CountingMetrics;
  /** Absent: no circuit breaker. */
  readonly health?: ShadowHealthSource;
  /** Absent: alarms reach the rollout only through the rollback function. */
  readonly alarms?: GuardrailAlarmSource;
  /** Problems that do not stop the tick (a verdict or a measurement that could not be had). */
  readonly onError?: (what: string, error: unknown) => void;
}

export interface ControllerSettings extends RolloutSettings {
  /** Absent: no circuit breaker. */
  readonly breaker?: BreakerLimits;
}

export interface TickOutcome {
  readonly rollout?: TickDecision;
  readonly breaker?: BreakerDecision;
  /** The document version written, when something was. */
  readonly version?: number;
}

/**
 * One tick of the rollout controller (every minute on AWS, every second or so locally):
 * 1. read the runtime config document;
 * 2. circuit breaker: measure the shadow path's health and decide (open, close, nothing);
 * 3. active rollout: the verdict on the current step's data alone (since the step began) and
 *    the firing guardrail alarms, then decide (advance, promote, roll back, pause, wait);
 * 4. write both as one conditional change; after a concurrent change (a person's set,
 *    promote, rollback or hold) decide again on the fresh document: the other writer wins;
 * 5. notify and count what changed.
 */
export async function runControllerTick(
  ports: ControllerPorts,
  settings: ControllerSettings,
  now: Date = new Date(),
): Promise<TickOutcome> {
  const at = now.toISOString();
  const verdicts = new Map<string, Promise<StepEvidence | undefined>>();
  const verdictFor = (rollout: Rollout): Promise<StepEvidence | undefined> => {
    const key = `${rollout.id}/${rollout.step}/${rollout.stepStartedAt}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = ports.verdicts
        .currentVerdict({
          experimentSince: new Date(rollout.stepStartedAt),
          now,
          candidate: rollout.candidate,
          production: rollout.production,
          guardrails: stepGuardrails(settings.guardrails, rollout),
        })
        .catch((error: unknown) => {
          ports.onError?.('verdict', error);
          return undefined;
        });
      verdicts.set(key, verdict);
    }
    return verdict;
  };
  const health =
    settings.breaker && ports.health
      ? safely(ports, 'shadow health', () => ports.health?.read(now))
      : undefined;
  const alarms = ports.alarms ? safely(ports, 'alarms', () => ports.alarms?.firing()) : undefined;

  let outcome: TickOutcome = {};
  const written = await changeDocument(ports.config, async (current) => {
    outcome = {};
    let doc: RuntimeConfigDocument | undefined = current;
    const knobs = effectiveKnobs(settings.deployTime, doc);
    const measured = await health;
    if (settings.breaker && measured) {
      const decision = decideBreaker({
        breaker: doc?.breaker,
        knobs,
        health: measured,
        limits: settings.breaker,
        now,
      });
      outcome = { ...outcome, breaker: decision };
      doc = applyBreakerDecision(settings.deployTime, doc, decision, at) ?? doc;
    }
    const rollout = doc?.rollout;
    if (doc !== undefined && isActive(rollout)) {
      const decision = decideTick({
        rollout,
        breaker: doc.breaker,
        knobs: effectiveKnobs(settings.deployTime, doc),
        verdict: await verdictFor(rollout),
        alarms: (await alarms) ?? [],
        now,
      });
      outcome = { ...outcome, rollout: decision };
      doc = applyRolloutDecision(settings, doc, decision, at) ?? doc;
    }
    return doc === current ? undefined : doc;
  });
  if (!written.written) return outcome;
  await report(ports, outcome, written.after, written.before?.rollout);
  return { ...outcome, ...(written.after ? { version: written.after.version } : {}) };
}

function applyRolloutDecision(
  settings: ControllerSettings,
  doc: RuntimeConfigDocument,
  decision: TickDecision,
  at: string,
): RuntimeConfigDocument | undefined {
  if (decision.kind !== 'promote' && decision.kind !== 'rollback')
    return applyTickDecision(settings.deployTime, doc, decision, at);
  const meta = { at, by: CONTROLLER, reason: decision.reason, allowedEndpoints: settings.allowedEndpoints };
  return decision.kind === 'promote'
    ? applyConfigAction(
        settings.deployTime,
        doc,
        { action: 'promote', endpoint: doc.rollout?.candidate, evidence: decision.evidence },
        meta,
      )
    : applyConfigAction(
        settings.deployTime,
        doc,
        { action: 'rollback', ...(decision.evidence ? { evidence: decision.evidence } : {}) },
        meta,
      );
}

async function safely<T>(
  ports: ControllerPorts,
  what: string,
  read: () => Promise<T> | undefined,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    ports.onError?.(what, error);
    return undefined;
  }
}

async function report(
  ports: ControllerPorts,
  outcome: TickOutcome,
  after: RuntimeConfigDocument | undefined,
  rolloutBefore: Rollout | undefined,
): Promise<void> {
  const notes: RolloutNotification[] = [];
  const breaker = outcome.breaker;
  if (breaker?.kind === 'open') {
    ports.metrics.count(MetricName.ShadowBreakerTrips);
    notes.push({ subject: 'Shadow circuit breaker open: sample rate lowered', message: breaker.reason });
  } else if (breaker?.kind === 'close') {
    ports.metrics.count(MetricName.ShadowBreakerRestores);
    notes.push({ subject: 'Shadow circuit breaker closed', message: breaker.reason });
  }
  const decision = outcome.rollout;
  const rollout = after?.rollout;
  if (decision && decision.kind !== 'wait' && rollout) {
    ports.metrics.count(MetricName.RolloutTransitions);
    if (decision.kind === 'rollback') ports.metrics.count(MetricName.RolloutRollbacks);
    notes.push(rolloutNotification(decision, rollout, rolloutBefore));
  }
  for (const note of notes) {
    await ports.notifier.notify(note).catch((error: unknown) => ports.onError?.('notification', error));
  }
}

const SUBJECTS: Record<Exclude<TickDecision['kind'], 'wait'>, string> = {
  advance: 'Rollout advanced',
  promote: 'Rollout promoted the candidate',
  complete: 'Rollout completed its plan',
  rollback: 'Rollout ROLLED BACK',
  pause: 'Rollout paused: inconclusive',
  'manual-change': 'Rollout paused: routing changed outside it',
};

function rolloutNotification(
  decision: Exclude<TickDecision, { kind: 'wait' }>,
  after: Rollout,
  before: Rollout | undefined,
): RolloutNotification {
  const step = isActive(after) ? currentStep(after) : undefined;
  const where =
    step === undefined
      ? `state ${after.state}`
      : `now step ${after.step} of ${after.plan.steps.length}: canary ${step.canaryPercent}% for ${formatDuration(step.minDurationMs)}..${formatDuration(step.maxDurationMs)}`;
  const evidence =
    'evidence' in decision && decision.evidence ? `\nEvidence: ${evidenceLine(decision.evidence)}` : '';
  return {
    subject: `${SUBJECTS[decision.kind]}: ${after.candidate} (from step ${before?.step ?? after.step})`,
    message: `${decision.reason}\n${where}${evidence}`,
  };
}
