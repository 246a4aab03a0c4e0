import { randomUUID } from 'node:crypto';
import type { RolloutPlan, RolloutPlanSpec } from '../../core/rollout/plan';
import { planSpec } from '../../core/rollout/plan';
import {
  isActive,
  type Rollout,
  type RolloutTransition,
  type ShadowBreaker,
  type StepEvidence,
  stepGuardrails,
} from '../../core/rollout/rollout';
import { type HoldAction, holdRolloutDocument, startRolloutDocument } from '../../core/rollout/transitions';
import {
  applyConfigAction,
  effectiveKnobs,
  InvalidConfigChangeError,
  promotionTarget,
  type RoutingKnobs,
  type RuntimeConfigDocument,
} from '../../core/runtime-config';
import { changeDocument } from './conditional-write';
import type { RolloutNotifier, RolloutSettings, RuntimeConfigDocuments, VerdictSource } from './ports';

export interface ManagePorts {
  readonly config: RuntimeConfigDocuments;
  readonly verdicts: VerdictSource;
  /** Absent: nothing is notified (the CLI against AWS; the controller notifies its own transitions). */
  readonly notifier?: RolloutNotifier;
}

export interface Actor {
  readonly by: string;
  readonly reason: string;
}

/**
 * `rollout start`: validates preconditions on the latest document and applies step 0 with one
 * conditional write. The controller judges it from its next tick.
 */
export async function startRollout(
  ports: ManagePorts,
  settings: RolloutSettings,
  plan: { readonly plan: RolloutPlan; readonly source: string },
  actor: Actor,
  now: Date = new Date(),
): Promise<Rollout> {
  const id = `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
  const { after } = await changeDocument(ports.config, (current) =>
    startRolloutDocument(
      settings.deployTime,
      current,
      { id, plan: plan.plan, planSource: plan.source },
      { at: now.toISOString(), ...actor },
    ),
  );
  const rollout = after?.rollout as Rollout;
  await ports.notifier
    ?.notify({
      subject: `Rollout started: ${rollout.candidate}`,
      message: `${actor.by}: ${actor.reason}\nplan (${plan.source}): ${JSON.stringify(planSpec(plan.plan))}`,
    })
    .catch(() => undefined);
  return rollout;
}

/** `rollout pause|resume|abort`. */
export async function holdRollout(
  ports: ManagePorts,
  settings: RolloutSettings,
  action: HoldAction,
  actor: Actor,
  now: Date = new Date(),
): Promise<Rollout> {
  const { after } = await changeDocument(ports.config, (current) =>
    holdRolloutDocument(settings.deployTime, current, action, { at: now.toISOString(), ...actor }),
  );
  const rollout = after?.rollout as Rollout;
  await ports.notifier
    ?.notify({ subject: `Rollout ${action}d by ${actor.by}: ${rollout.candidate}`, message: actor.reason })
    .catch(() => undefined);
  return rollout;
}

/** What `rollout status --json` prints. */
export interface RolloutStatus {
  /** `none` before any rollout was started. */
  readonly state: Rollout['state'] | 'none';
  readonly step: number | null;
  readonly steps: number | null;
  readonly canaryPercent: number;
  readonly sampleRate: number;
  readonly candidate: string | null;
  readonly production: string;
  readonly startedAt: string | null;
  readonly stepStartedAt: string | null;
  readonly stepDeadline: string | null;
  readonly hold: Rollout['hold'] | null;
  /** The verdict on the current step's data (active rollouts only; null when it could not be had). */
  readonly verdict: StepEvidence | null;
  readonly plan: RolloutPlanSpec | null;
  readonly planSource: string | null;
  readonly breaker: ShadowBreaker | null;
  /** The rollout's transitions, oldest first. */
  readonly history: readonly RolloutTransition[];
  readonly configVersion: number;
}

export async function rolloutStatus(
  ports: ManagePorts,
  settings: RolloutSettings,
  now: Date = new Date(),
): Promise<RolloutStatus> {
  const doc = await ports.config.read();
  const knobs = effectiveKnobs(settings.deployTime, doc);
  const rollout = doc?.rollout;
  let verdict: StepEvidence | null = null;
  if (isActive(rollout)) {
    verdict = await ports.verdicts
      .currentVerdict({
        experimentSince: new Date(rollout.stepStartedAt),
        now,
        candidate: rollout.candidate,
        production: rollout.production,
        guardrails: stepGuardrails(settings.guardrails, rollout),
      })
      .catch(() => null);
  }
  return {
    state: rollout?.state ?? 'none',
    step: rollout?.step ?? null,
    steps: rollout?.plan.steps.length ?? null,
    canaryPercent: knobs.canaryPercent,
    sampleRate: knobs.sampleRate,
    candidate: rollout?.candidate ?? knobs.candidateEndpoints[0] ?? null,
    production: knobs.productionEndpoint,
    startedAt: rollout?.startedAt ?? null,
    stepStartedAt: isActive(rollout) ? rollout.stepStartedAt : null,
    stepDeadline: isActive(rollout) ? rollout.stepDeadline : null,
    hold: rollout?.hold ?? null,
    verdict,
    plan: rollout ? planSpec(rollout.plan) : null,
    planSource: rollout?.planSource ?? null,
    breaker: doc?.breaker ?? null,
    history: rollout?.transitions ?? [],
    configVersion: doc?.version ?? 0,
  };
}

export interface PromoteRequest extends Actor {
  /** @default the first candidate that is not the previous production */
  readonly endpoint?: string;
  /** Go ahead whatever the verdict (needs a reason; recorded in the history). */
  readonly force: boolean;
}

export type PromoteResult =
  | {
      readonly kind: 'promoted';
      readonly endpoint: string;
      readonly previousProduction: string;
      readonly verdict: StepEvidence | null;
      readonly forced: boolean;
      readonly before: RoutingKnobs;
      readonly after: RoutingKnobs;
    }
  | { readonly kind: 'already-production'; readonly endpoint: string; readonly previousProduction?: string };

export class PromotionRefusedError extends InvalidConfigChangeError {
  constructor(
    readonly endpoint: string,
    readonly verdict: StepEvidence | null,
  ) {
    super(
      verdict === null
        ? `no verdict could be had for ${endpoint}; promote only on PROMOTE, or override with --force --reason TEXT`
        : `the verdict for ${endpoint} is ${verdict.decision}, not PROMOTE (${verdict.summary}); wait for PROMOTE, or override with --force --reason TEXT`,
    );
  }
}

/**
 * `promote`:
 * 1. names the endpoint it promotes (the given one, or the first candidate that is not the
 *    previous production); already production → a no-op that says so;
 * 2. gets the verdict on the current experiment (the active rollout step's data, or the data
 *    since the routing last changed, at most 24 h back);
 * 3. refuses unless it is PROMOTE, unless forced with a reason;
 * 4. promotes with one conditional write, the verdict and any override in the history. The
 *    previous production stays referenced: `rollback` restores it.
 */
export async function promoteCandidate(
  ports: ManagePorts,
  settings: RolloutSettings,
  request: PromoteRequest,
  now: Date = new Date(),
): Promise<PromoteResult> {
  if (request.force && request.reason.trim() === '')
    throw new InvalidConfigChangeError('--force needs --reason TEXT: say why the verdict is overridden');
  const doc = await ports.config.read();
  const knobs = effectiveKnobs(settings.deployTime, doc);
  const target = promotionTarget(knobs, doc, request.endpoint);
  if (target.kind === 'already-production') return target;

  const rollout = doc?.rollout;
  const verdict = await ports.verdicts
    .currentVerdict({
      experimentSince: isActive(rollout) ? new Date(rollout.stepStartedAt) : experimentStart(doc, now),
      now,
      candidate: target.endpoint,
      production: target.production,
      guardrails: isActive(rollout) ? stepGuardrails(settings.guardrails, rollout) : settings.guardrails,
    })
    .catch(() => null);
  if (verdict?.decision !== 'PROMOTE' && !request.force)
    throw new PromotionRefusedError(target.endpoint, verdict);
  const forced = verdict?.decision !== 'PROMOTE';
  const reason = forced
    ? `FORCED over verdict ${verdict?.decision ?? 'unavailable'}: ${request.reason}`
    : request.reason;

  const { before, after } = await changeDocument(ports.config, (current) => {
    const fresh = promotionTarget(effectiveKnobs(settings.deployTime, current), current, target.endpoint);
    if (fresh.kind === 'already-production') return undefined;
    return applyConfigAction(
      settings.deployTime,
      current,
      {
        action: 'promote',
        endpoint: target.endpoint,
        ...(verdict ? { evidence: verdict } : {}),
        ...(forced ? { forced } : {}),
      },
      { at: now.toISOString(), by: request.by, reason, allowedEndpoints: settings.allowedEndpoints },
    );
  });
  if (before === after) return { kind: 'already-production', endpoint: target.endpoint };
  await ports.notifier
    ?.notify({
      subject: `Promoted ${target.endpoint}${forced ? ' (FORCED)' : ''}`,
      message: `${request.by}: ${reason}\nprevious production ${target.production} kept for rollback`,
    })
    .catch(() => undefined);
  return {
    kind: 'promoted',
    endpoint: target.endpoint,
    previousProduction: target.production,
    verdict,
    forced,
    before: effectiveKnobs(settings.deployTime, before),
    after: effectiveKnobs(settings.deployTime, after),
  };
}

const DAY_MS = 86_400_000;

/** The current experiment began at the last change of candidate, share or sample rate (≤ 24 h back). */
export function experimentStart(doc: RuntimeConfigDocument | undefined, now: Date): Date {
  const dayAgo = now.getTime() - DAY_MS;
  const last = doc?.history.find((change) =>
    ['productionEndpoint', 'candidateEndpoints', 'canaryPercent', 'sampleRate'].some(
      (key) => key in change.changed,
    ),
  );
  const at = last === undefined ? dayAgo : Date.parse(last.at);
  return new Date(Math.max(dayAgo, at));
}
