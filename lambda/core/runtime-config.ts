import * as v from 'valibot';
import { UserError } from './errors';
import { deployTimeExperiment, type ExperimentStart, experimentKey, experimentSettings } from './experiment';
import {
  endRollout,
  isActive,
  pauseRollout,
  type Rollout,
  type ShadowBreaker,
  type StepEvidence,
} from './rollout/rollout';
import { isPlainObject, numberIn, schemaProblems } from './schema';

/**
 * Runtime routing config: what can change without a redeploy (sample rate, canary share,
 * shadow on/off, which endpoint is production and which are candidates). It is stored as
 * overrides on top of the deploy-time values, so deleting it returns to what was deployed.
 */

export interface RoutingKnobs {
  readonly productionEndpoint: string;
  readonly candidateEndpoints: readonly string[];
  readonly shadowEnabled: boolean;
  readonly sampleRate: number;
  readonly canaryPercent: number;
}

export type RoutingOverrides = Partial<RoutingKnobs>;

export type ConfigChangeAction =
  | 'set'
  | 'promote'
  | 'rollback'
  | 'rollout-start'
  | 'rollout-step'
  | 'rollout-pause'
  | 'rollout-resume'
  | 'rollout-abort'
  | 'rollout-complete'
  | 'breaker-open'
  | 'breaker-close';

export interface ConfigChange {
  readonly at: string;
  readonly by: string;
  readonly action: ConfigChangeAction;
  readonly reason: string;
  readonly changed: RoutingOverrides;
  /** The verdict behind the change, in one line (controller transitions, promote). */
  readonly evidence?: string;
  /** A promote that overrode a verdict other than PROMOTE (`promote --force --reason`). */
  readonly forced?: boolean;
}

export interface RuntimeConfigDocument {
  /** Incremented on every write; writes are conditional on it (optimistic concurrency). */
  readonly version: number;
  readonly overrides: RoutingOverrides;
  /** Production before the last promotion, so a rollback can restore it. */
  readonly previousProduction?: string;
  /** When and by whom the last promotion was made (kept with `previousProduction`). */
  readonly promotedAt?: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly reason: string;
  /** The most recent changes, newest first. */
  readonly history: readonly ConfigChange[];
  /** The current or most recent progressive rollout. */
  readonly rollout?: Rollout;
  /** Present while the shadow circuit breaker holds the sample rate down. */
  readonly breaker?: ShadowBreaker;
  /** The experiment in force: it changes only when production, candidates, canary share or sample rate do. */
  readonly experiment?: ExperimentStart;
  /** Earlier experiments, newest first (the last HISTORY_LENGTH), so a report can name them. */
  readonly experiments?: readonly ExperimentStart[];
}

const HISTORY_LENGTH = 20;

/** The experiment in force under a document (or the deploy-time values alone). */
export function currentExperiment(
  deployTime: RoutingKnobs,
  doc: RuntimeConfigDocument | undefined,
): ExperimentStart {
  return doc?.experiment ?? deployTimeExperiment(effectiveKnobs(deployTime, doc));
}

export class InvalidConfigChangeError extends UserError {
  override readonly name = 'InvalidConfigChangeError';
}

/** Deploy-time values with the runtime overrides applied. */
export function effectiveKnobs(
  deployTime: RoutingKnobs,
  doc: RuntimeConfigDocument | undefined,
): RoutingKnobs {
  return doc === undefined ? deployTime : { ...deployTime, ...doc.overrides };
}

/**
 * Every problem with a set of overrides. Endpoints must be among those the stack allows the
 * router to invoke (its IAM policy names exact ARNs); anything else would only fail later.
 */
export function overrideProblems(overrides: unknown, allowedEndpoints: readonly string[]): string[] {
  if (!isPlainObject(overrides)) return ['overrides must be an object'];
  const known = new Set(Object.keys(ROUTING_KNOBS));
  return [
    ...Object.keys(overrides)
      .filter((key) => !known.has(key))
      .map((key) => `unknown setting "${key}"`),
    ...schemaProblems(overridesSchema(allowedEndpoints), overrides),
  ];
}

/** What each override may hold; built per call, since the endpoints are the deployment's. */
function overridesSchema(allowedEndpoints: readonly string[]) {
  const endpoints = allowedEndpoints.join(', ');
  const allowed = v.picklist(allowedEndpoints, `must be one of ${endpoints}`);
  return v.partial(
    v.object({
      productionEndpoint: allowed,
      candidateEndpoints: v.custom<string[]>(
        (list) => Array.isArray(list) && list.every((e) => allowedEndpoints.includes(e)),
        `must be a list of ${endpoints}`,
      ),
      shadowEnabled: v.boolean('must be true or false'),
      sampleRate: numberIn(0, 1, 'must be a number from 0 to 1'),
      canaryPercent: numberIn(0, 100, 'must be a number from 0 to 100'),
    } satisfies Record<keyof RoutingKnobs, unknown>),
  );
}

/** The routing knobs by name (what an override may set). */
const ROUTING_KNOBS: Record<keyof RoutingKnobs, true> = {
  productionEndpoint: true,
  candidateEndpoints: true,
  shadowEnabled: true,
  sampleRate: true,
  canaryPercent: true,
};

export type ConfigAction =
  | { readonly action: 'set'; readonly values: RoutingOverrides }
  | {
      readonly action: 'promote';
      /** @default the first candidate that is not the previous production */
      readonly endpoint?: string;
      /** Overrides a verdict other than PROMOTE; recorded in the history. */
      readonly forced?: boolean;
      /** The verdict the promotion went ahead on (recorded in the history and the rollout). */
      readonly evidence?: StepEvidence;
    }
  | { readonly action: 'rollback'; readonly evidence?: StepEvidence };

export interface ChangeMeta {
  readonly at: string;
  readonly by: string;
  readonly reason: string;
  readonly allowedEndpoints: readonly string[];
}

export type PromotionTarget =
  | { readonly kind: 'promote'; readonly endpoint: string; readonly production: string }
  | { readonly kind: 'already-production'; readonly endpoint: string; readonly previousProduction?: string };

/**
 * What `promote` would promote: the named endpoint, or the first candidate that is not the
 * previous production (after a promotion the old production stays as the shadow candidate, and
 * promoting it again would undo the promotion: that is what `rollback` is for).
 */
export function promotionTarget(
  knobs: RoutingKnobs,
  doc: RuntimeConfigDocument | undefined,
  endpoint?: string,
): PromotionTarget {
  const previous =
    doc?.previousProduction === undefined ? {} : { previousProduction: doc.previousProduction };
  if (endpoint !== undefined) {
    if (endpoint === knobs.productionEndpoint) return { kind: 'already-production', endpoint, ...previous };
    if (!knobs.candidateEndpoints.includes(endpoint))
      throw new InvalidConfigChangeError(
        `${endpoint} is not a candidate (candidates: ${knobs.candidateEndpoints.join(', ') || 'none'})`,
      );
    return { kind: 'promote', endpoint, production: knobs.productionEndpoint };
  }
  const candidate = knobs.candidateEndpoints.find((e) => e !== doc?.previousProduction);
  if (candidate !== undefined)
    return { kind: 'promote', endpoint: candidate, production: knobs.productionEndpoint };
  if (knobs.candidateEndpoints.length > 0)
    return { kind: 'already-production', endpoint: knobs.productionEndpoint, ...previous };
  throw new InvalidConfigChangeError('there is no candidate to promote');
}

/**
 * The document after an action.
 * - set: merges values (validated) into the overrides. A routing change during an active
 *   rollout pauses it (the person wins; `rollout resume` returns to the plan's step); a sample
 *   rate set while the circuit breaker is open closes the breaker.
 * - promote: the candidate becomes production; the canary ends; the old production is
 *   remembered for rollback and stays as the shadow candidate. An active rollout ends promoted.
 * - rollback: the canary ends (an active rollout ends rolled back); with no canary or rollout
 *   running, after a promotion the previous production is restored.
 */
export function applyConfigAction(
  deployTime: RoutingKnobs,
  current: RuntimeConfigDocument | undefined,
  change: ConfigAction,
  meta: ChangeMeta,
): RuntimeConfigDocument {
  const knobs = effectiveKnobs(deployTime, current);
  const rollout = current?.rollout;
  const at = { at: meta.at, by: meta.by, reason: meta.reason };
  switch (change.action) {
    case 'set': {
      const problems = overrideProblems(change.values, meta.allowedEndpoints);
      if (Object.keys(change.values).length === 0) problems.push('nothing to set');
      const merged = { ...knobs, ...change.values };
      if (merged.candidateEndpoints.includes(merged.productionEndpoint))
        problems.push('production cannot also be a candidate');
      if (problems.length > 0) throw new InvalidConfigChangeError(problems.join('; '));
      const changedKeys = (Object.keys(change.values) as (keyof RoutingKnobs)[]).filter(
        (key) => JSON.stringify(knobs[key]) !== JSON.stringify(merged[key]),
      );
      const routing = { canaryPercent: merged.canaryPercent, sampleRate: merged.sampleRate };
      return nextDocument(
        deployTime,
        current,
        { action: 'set', ...at, changed: change.values },
        {
          rollout:
            isActive(rollout) && changedKeys.length > 0
              ? pauseRollout(
                  rollout,
                  'manual-change',
                  {
                    ...at,
                    reason: `set ${changedKeys.map((k) => `${k}=${JSON.stringify(merged[k])}`).join(', ')} by hand: ${meta.reason}`,
                  },
                  routing,
                )
              : rollout,
          breaker: 'sampleRate' in change.values ? undefined : current?.breaker,
        },
      );
    }
    case 'promote': {
      const target = promotionTarget(knobs, current, change.endpoint);
      if (target.kind === 'already-production')
        throw new InvalidConfigChangeError(`${target.endpoint} is already production`);
      const changed: RoutingOverrides = {
        productionEndpoint: target.endpoint,
        candidateEndpoints: [
          knobs.productionEndpoint,
          ...knobs.candidateEndpoints.filter((e) => e !== target.endpoint),
        ],
        canaryPercent: 0,
      };
      return nextDocument(
        deployTime,
        current,
        {
          action: 'promote',
          ...at,
          changed,
          ...(change.evidence ? { evidence: evidenceLine(change.evidence) } : {}),
          ...(change.forced ? { forced: true } : {}),
        },
        {
          rollout: isActive(rollout)
            ? endRollout(
                rollout,
                'promoted',
                'promote',
                { ...at, ...(change.evidence ? { evidence: change.evidence } : {}) },
                { canaryPercent: 0, sampleRate: knobs.sampleRate },
              )
            : rollout,
          breaker: current?.breaker,
          previousProduction: knobs.productionEndpoint,
          promotedAt: meta.at,
        },
      );
    }
    case 'rollback': {
      const previous = current?.previousProduction;
      const restore =
        knobs.canaryPercent === 0 &&
        !isActive(rollout) &&
        previous !== undefined &&
        previous !== knobs.productionEndpoint;
      const changed: RoutingOverrides = restore
        ? {
            productionEndpoint: previous,
            candidateEndpoints: [
              knobs.productionEndpoint,
              ...knobs.candidateEndpoints.filter((e) => e !== previous),
            ],
            canaryPercent: 0,
          }
        : { canaryPercent: 0 };
      const endsRollout = isActive(rollout) || (restore && rollout?.state === 'promoted');
      return nextDocument(
        deployTime,
        current,
        {
          action: 'rollback',
          ...at,
          changed,
          ...(change.evidence ? { evidence: evidenceLine(change.evidence) } : {}),
        },
        {
          rollout:
            rollout !== undefined && endsRollout
              ? endRollout(
                  rollout,
                  'rolled_back',
                  'rollback',
                  {
                    ...at,
                    reason: restore ? `${previous} restored as production: ${meta.reason}` : meta.reason,
                    ...(change.evidence ? { evidence: change.evidence } : {}),
                  },
                  { canaryPercent: 0, sampleRate: knobs.sampleRate },
                )
              : rollout,
          breaker: current?.breaker,
          previousProduction: restore ? undefined : previous,
          promotedAt: restore ? undefined : current?.promotedAt,
        },
      );
    }
  }
}

/** What a change leaves of the parts of the document that are not overrides. */
export interface DocumentState {
  readonly rollout: Rollout | undefined;
  readonly breaker: ShadowBreaker | undefined;
  /** Kept from the current document unless given (even as undefined). */
  readonly previousProduction?: string | undefined;
  readonly promotedAt?: string | undefined;
}

/**
 * The next version of the document: the change merged into the overrides and put first in the
 * history.
 */
export function nextDocument(
  deployTime: RoutingKnobs,
  current: RuntimeConfigDocument | undefined,
  entry: ConfigChange,
  state: DocumentState,
): RuntimeConfigDocument {
  const keep = !('previousProduction' in state);
  const previousProduction = keep ? current?.previousProduction : state.previousProduction;
  const promotedAt = keep ? current?.promotedAt : state.promotedAt;
  const version = (current?.version ?? 0) + 1;
  const overrides = { ...current?.overrides, ...entry.changed };
  // A new experiment starts when what it judges changes: production, candidates, canary share
  // or sample rate (a rollout step and the circuit breaker included).
  const before = effectiveKnobs(deployTime, current);
  const after = { ...deployTime, ...overrides };
  const running = currentExperiment(deployTime, current);
  const startsExperiment = experimentKey(after) !== experimentKey(before);
  const experiment: ExperimentStart = startsExperiment
    ? { id: `v${version}`, startedAt: entry.at, ...experimentSettings(after) }
    : running;
  return {
    version,
    overrides,
    ...(previousProduction === undefined ? {} : { previousProduction }),
    ...(previousProduction === undefined || promotedAt === undefined ? {} : { promotedAt }),
    updatedAt: entry.at,
    updatedBy: entry.by,
    reason: entry.reason,
    history: [entry, ...(current?.history ?? [])].slice(0, HISTORY_LENGTH),
    ...(state.rollout === undefined ? {} : { rollout: state.rollout }),
    ...(state.breaker === undefined ? {} : { breaker: state.breaker }),
    experiment,
    experiments: startsExperiment
      ? [running, ...(current?.experiments ?? [])].slice(0, HISTORY_LENGTH)
      : (current?.experiments ?? []),
  };
}

/** The evidence of a transition in one line, for the history. */
export function evidenceLine(evidence: StepEvidence): string {
  return `${evidence.decision}${evidence.guardrail ? ` (${evidence.guardrail})` : ''} on ${evidence.samples} samples: ${evidence.summary}`;
}
