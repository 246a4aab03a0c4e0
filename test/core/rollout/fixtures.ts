import type { RolloutPlan } from '../../../lambda/core/rollout/plan';
import type { Rollout, StepEvidence } from '../../../lambda/core/rollout/rollout';
import type { RoutingKnobs } from '../../../lambda/core/runtime-config';

export const T0 = Date.parse('2026-11-30T10:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000);
export const iso = (seconds: number) => at(seconds).toISOString();

export const deployTime: RoutingKnobs = {
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  shadowEnabled: true,
  sampleRate: 1,
  canaryPercent: 0,
};

/** Three steps: shadow at half rate, 10%, 50%; 60 s bake, 600 s deadline, 50 samples. */
export const plan: RolloutPlan = {
  promote: true,
  steps: [
    { canaryPercent: 0, sampleRate: 0.5, minDurationMs: 60_000, maxDurationMs: 600_000, minSamples: 50 },
    { canaryPercent: 10, minDurationMs: 60_000, maxDurationMs: 600_000, minSamples: 50 },
    { canaryPercent: 50, minDurationMs: 60_000, maxDurationMs: 600_000, minSamples: 50 },
  ],
};

export function rolloutAt(step: number, overrides: Partial<Rollout> = {}): Rollout {
  return {
    id: 'r1',
    state: 'running',
    plan,
    planSource: 'test plan',
    candidate: 'churn-v2',
    production: 'churn-v1',
    baseSampleRate: 1,
    startedAt: iso(0),
    startedBy: 'tester',
    reason: 'test',
    step,
    stepStartedAt: iso(0),
    stepDeadline: iso(600),
    transitions: [],
    ...overrides,
  };
}

/** The routing a rollout at `step` has set. */
export function knobsAt(step: number): RoutingKnobs {
  const s = plan.steps[step];
  return { ...deployTime, canaryPercent: s?.canaryPercent ?? 0, sampleRate: s?.sampleRate ?? 1 };
}

export const verdict = (
  decision: StepEvidence['decision'],
  samples = 100,
  guardrail?: string,
): StepEvidence => ({
  decision,
  samples,
  summary: `${decision} summary`,
  ...(guardrail ? { guardrail } : {}),
});
