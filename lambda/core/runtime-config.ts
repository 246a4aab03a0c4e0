import { UserError } from './errors';
import { deployTimeExperiment, type ExperimentStart, experimentKey, experimentSettings } from './experiment';

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

export interface ConfigChange {
  readonly at: string;
  readonly by: string;
  readonly action: 'set' | 'promote' | 'rollback';
  readonly reason: string;
  readonly changed: RoutingOverrides;
}

export interface RuntimeConfigDocument {
  /** Incremented on every write; writes are conditional on it (optimistic concurrency). */
  readonly version: number;
  readonly overrides: RoutingOverrides;
  /** Production before the last promotion, so a rollback can restore it. */
  readonly previousProduction?: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly reason: string;
  /** The most recent changes, newest first. */
  readonly history: readonly ConfigChange[];
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
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
    return ['overrides must be an object'];
  const o = overrides as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set([
    'productionEndpoint',
    'candidateEndpoints',
    'shadowEnabled',
    'sampleRate',
    'canaryPercent',
  ]);
  for (const key of Object.keys(o)) if (!known.has(key)) problems.push(`unknown setting "${key}"`);
  if ('sampleRate' in o && !(typeof o.sampleRate === 'number' && o.sampleRate >= 0 && o.sampleRate <= 1)) {
    problems.push('sampleRate must be a number from 0 to 1');
  }
  if (
    'canaryPercent' in o &&
    !(typeof o.canaryPercent === 'number' && o.canaryPercent >= 0 && o.canaryPercent <= 100)
  ) {
    problems.push('canaryPercent must be a number from 0 to 100');
  }
  if ('shadowEnabled' in o && typeof o.shadowEnabled !== 'boolean')
    problems.push('shadowEnabled must be true or false');
  const allowed = new Set(allowedEndpoints);
  if (
    'productionEndpoint' in o &&
    !(typeof o.productionEndpoint === 'string' && allowed.has(o.productionEndpoint))
  ) {
    problems.push(`productionEndpoint must be one of ${allowedEndpoints.join(', ')}`);
  }
  if ('candidateEndpoints' in o) {
    const list = o.candidateEndpoints;
    if (!Array.isArray(list) || list.some((e) => typeof e !== 'string' || !allowed.has(e))) {
      problems.push(`candidateEndpoints must be a list of ${allowedEndpoints.join(', ')}`);
    }
  }
  return problems;
}

export type ConfigAction =
  | { readonly action: 'set'; readonly values: RoutingOverrides }
  | { readonly action: 'promote' }
  | { readonly action: 'rollback' };

/**
 * The document after an action.
 * - set: merges values (validated) into the overrides.
 * - promote: the first candidate becomes production; the canary ends; the old production is
 *   remembered for rollback and stays as the shadow candidate.
 * - rollback: the canary ends; after a promotion, the previous production is restored.
 */
export function applyConfigAction(
  deployTime: RoutingKnobs,
  current: RuntimeConfigDocument | undefined,
  change: ConfigAction,
  meta: {
    readonly at: string;
    readonly by: string;
    readonly reason: string;
    readonly allowedEndpoints: readonly string[];
  },
): RuntimeConfigDocument {
  const knobs = effectiveKnobs(deployTime, current);
  let changed: RoutingOverrides;
  let previousProduction = current?.previousProduction;
  switch (change.action) {
    case 'set': {
      const problems = overrideProblems(change.values, meta.allowedEndpoints);
      if (Object.keys(change.values).length === 0) problems.push('nothing to set');
      const merged = { ...knobs, ...change.values };
      if (merged.candidateEndpoints.includes(merged.productionEndpoint))
        problems.push('production cannot also be a candidate');
      if (problems.length > 0) throw new InvalidConfigChangeError(problems.join('; '));
      changed = change.values;
      break;
    }
    case 'promote': {
      const candidate = knobs.candidateEndpoints[0];
      if (candidate === undefined) throw new InvalidConfigChangeError('there is no candidate to promote');
      changed = {
        productionEndpoint: candidate,
        candidateEndpoints: [knobs.productionEndpoint],
        canaryPercent: 0,
      };
      previousProduction = knobs.productionEndpoint;
      break;
    }
    case 'rollback': {
      changed =
        previousProduction !== undefined && previousProduction !== knobs.productionEndpoint
          ? {
              productionEndpoint: previousProduction,
              candidateEndpoints: [knobs.productionEndpoint],
              canaryPercent: 0,
            }
          : { canaryPercent: 0 };
      previousProduction = undefined;
      break;
    }
  }
  const entry: ConfigChange = {
    at: meta.at,
    by: meta.by,
    action: change.action,
    reason: meta.reason,
    changed,
  };
  const version = (current?.version ?? 0) + 1;
  const overrides = { ...current?.overrides, ...changed };
  const after = { ...deployTime, ...overrides };
  const running = currentExperiment(deployTime, current);
  const startsExperiment = experimentKey(after) !== experimentKey(knobs);
  const experiment: ExperimentStart = startsExperiment
    ? { id: `v${version}`, startedAt: meta.at, ...experimentSettings(after) }
    : running;
  return {
    version,
    overrides,
    ...(previousProduction === undefined ? {} : { previousProduction }),
    updatedAt: meta.at,
    updatedBy: meta.by,
    reason: meta.reason,
    history: [entry, ...(current?.history ?? [])].slice(0, HISTORY_LENGTH),
    experiment,
    experiments: startsExperiment
      ? [running, ...(current?.experiments ?? [])].slice(0, HISTORY_LENGTH)
      : (current?.experiments ?? []),
  };
}
