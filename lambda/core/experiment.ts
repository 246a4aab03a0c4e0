import { createHash } from 'node:crypto';
import type { RoutingKnobs } from './runtime-config';

/**
 * An experiment is the period with one configuration of production, candidates, canary share and
 * (effective) shadow sample rate. Its identity is the runtime config version that started it
 * (`v<version>`), or, while the deploy-time values are in force, a hash of them (`d<hash>`): a
 * redeploy with other values starts another one. A confidence sequence is valid on the data
 * since a fixed start, so a verdict covers one experiment since its start, never a trailing window.
 */
export interface ExperimentStart {
  readonly id: string;
  /** ISO-8601; null for a deploy-time experiment (its start is its first record). */
  readonly startedAt: string | null;
  readonly productionEndpoint: string;
  readonly candidateEndpoints: readonly string[];
  readonly canaryPercent: number;
  /** Effective share of requests replayed (0 while shadowing is off). */
  readonly sampleRate: number;
}

/** What decides the experiment: two configurations with the same key pool their data. */
export function experimentKey(knobs: RoutingKnobs): string {
  return JSON.stringify([
    knobs.productionEndpoint,
    knobs.candidateEndpoints,
    knobs.canaryPercent,
    knobs.shadowEnabled ? knobs.sampleRate : 0,
  ]);
}

export function experimentSettings(knobs: RoutingKnobs): Omit<ExperimentStart, 'id' | 'startedAt'> {
  return {
    productionEndpoint: knobs.productionEndpoint,
    candidateEndpoints: knobs.candidateEndpoints,
    canaryPercent: knobs.canaryPercent,
    sampleRate: knobs.shadowEnabled ? knobs.sampleRate : 0,
  };
}

/** The experiment of the deploy-time values, before any runtime change. */
export function deployTimeExperiment(knobs: RoutingKnobs): ExperimentStart {
  return { id: deployTimeExperimentId(knobs), startedAt: null, ...experimentSettings(knobs) };
}

function deployTimeExperimentId(knobs: RoutingKnobs): string {
  return `d${createHash('sha256').update(experimentKey(knobs)).digest('hex').slice(0, 10)}`;
}

/**
 * The id alone, for the router (which stamps it on what it records): the document's experiment,
 * or the deploy-time one for `knobs`, the effective values. Kept apart so the router's bundle
 * carries no more of this module than it needs.
 */
export function experimentIdOf(
  knobs: RoutingKnobs,
  doc: { readonly experiment?: { readonly id: string } } | undefined,
): string {
  return doc?.experiment?.id ?? deployTimeExperimentId(knobs);
}

/** Experiment ids as the router stamps them: `v` + version, or `d` + hash; never anything else. */
export function isExperimentId(value: string): boolean {
  return /^(v[0-9]{1,12}|d[0-9a-f]{10}|unknown)$/.test(value);
}
