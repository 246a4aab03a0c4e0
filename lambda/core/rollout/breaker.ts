import type { RoutingKnobs } from '../runtime-config';
import type { ShadowBreaker } from './rollout';

/** When the breaker opens and how far it lowers the sample rate (per stage, lib/config). */
export interface BreakerLimits {
  /** Candidate error rate (0..1) over the recent window above which the breaker opens. */
  readonly maxCandidateErrorRate: number;
  /** Age (s) of the oldest shadow message above which the breaker opens. */
  readonly maxBacklogAgeSeconds: number;
  /** Fewest candidate calls in the window before its error rate is judged. */
  readonly minCandidateCalls: number;
  /** The open breaker multiplies the sample rate by this (0..1). */
  readonly reducedSampleRateFactor: number;
  /** The breaker stays open at least this long, so it does not flap. */
  readonly minOpenMs: number;
}

/** What the controller measured about the shadow path over the recent window. */
export interface ShadowHealth {
  readonly candidateCalls: number;
  readonly candidateErrors: number;
  /** Age (s) of the oldest message in the shadow queue; null when unknown. */
  readonly backlogAgeSeconds: number | null;
}

export type BreakerDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'open'; readonly breaker: ShadowBreaker; readonly reason: string }
  | { readonly kind: 'close'; readonly restoreSampleRate: number | undefined; readonly reason: string };

const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/**
 * Opens when the candidate's error rate or the backlog's age crosses its limit (lowering the
 * sample rate protects the candidate endpoint and the bill); closes, restoring the nominal rate,
 * when both are below half their limits after `minOpenMs`. A sample rate changed by hand while
 * open closes it without restoring: the person wins.
 */
export function decideBreaker(input: {
  readonly breaker: ShadowBreaker | undefined;
  readonly knobs: RoutingKnobs;
  readonly health: ShadowHealth;
  readonly limits: BreakerLimits;
  readonly now: Date;
}): BreakerDecision {
  const { breaker, knobs, health, limits, now } = input;
  const errorRate = health.candidateCalls > 0 ? health.candidateErrors / health.candidateCalls : 0;
  const errorsHigh =
    health.candidateCalls >= limits.minCandidateCalls && errorRate > limits.maxCandidateErrorRate;
  const backlogOld =
    health.backlogAgeSeconds !== null && health.backlogAgeSeconds > limits.maxBacklogAgeSeconds;

  if (breaker === undefined) {
    if (!knobs.shadowEnabled || knobs.sampleRate === 0 || knobs.candidateEndpoints.length === 0)
      return { kind: 'none' };
    if (!errorsHigh && !backlogOld) return { kind: 'none' };
    const reducedSampleRate = roundRate(knobs.sampleRate * limits.reducedSampleRateFactor);
    const causes = [
      ...(errorsHigh
        ? [
            `candidate error rate ${percent(errorRate)} over ${health.candidateCalls} calls > ${percent(limits.maxCandidateErrorRate)}`,
          ]
        : []),
      ...(backlogOld
        ? [`shadow backlog ${health.backlogAgeSeconds} s old > ${limits.maxBacklogAgeSeconds} s`]
        : []),
    ];
    const reason = `${causes.join(' and ')}: sample rate ${knobs.sampleRate} -> ${reducedSampleRate}`;
    return {
      kind: 'open',
      reason,
      breaker: {
        openedAt: now.toISOString(),
        reason,
        nominalSampleRate: knobs.sampleRate,
        reducedSampleRate,
      },
    };
  }

  if (knobs.sampleRate !== breaker.reducedSampleRate)
    return {
      kind: 'close',
      restoreSampleRate: undefined,
      reason: `sample rate set to ${knobs.sampleRate} outside the breaker: it stands`,
    };
  if (now.getTime() - Date.parse(breaker.openedAt) < limits.minOpenMs) return { kind: 'none' };
  const healthyErrors = health.candidateCalls > 0 && errorRate <= limits.maxCandidateErrorRate / 2;
  const healthyBacklog =
    health.backlogAgeSeconds === null || health.backlogAgeSeconds <= limits.maxBacklogAgeSeconds / 2;
  if (!healthyErrors || !healthyBacklog) return { kind: 'none' };
  return {
    kind: 'close',
    restoreSampleRate: breaker.nominalSampleRate,
    reason: `healthy again (candidate error rate ${percent(errorRate)} over ${health.candidateCalls} calls${
      health.backlogAgeSeconds === null ? '' : `, backlog ${health.backlogAgeSeconds} s`
    }): sample rate ${breaker.reducedSampleRate} -> ${breaker.nominalSampleRate}`,
  };
}

/** Rates are written to 4 decimals: 0.1 × 0.3 is 0.03, not 0.030000000000000002. */
function roundRate(rate: number): number {
  return Math.round(rate * 10_000) / 10_000;
}
