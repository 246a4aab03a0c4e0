import { type BreakerLimits, decideBreaker, type ShadowHealth } from '../../../lambda/core/rollout/breaker';
import type { ShadowBreaker } from '../../../lambda/core/rollout/rollout';
import { at, deployTime, iso } from './fixtures';

const limits: BreakerLimits = {
  maxCandidateErrorRate: 0.2,
  maxBacklogAgeSeconds: 300,
  minCandidateCalls: 20,
  reducedSampleRateFactor: 0.1,
  minOpenMs: 60_000,
};
const healthy: ShadowHealth = { candidateCalls: 100, candidateErrors: 1, backlogAgeSeconds: 5 };
const open: ShadowBreaker = {
  openedAt: iso(0),
  reason: 'x',
  nominalSampleRate: 0.5,
  reducedSampleRate: 0.05,
};

describe('the shadow circuit breaker', () => {
  it.each([
    ['healthy: stays closed', undefined, 0.5, healthy, 0, 'none'],
    [
      'candidate errors above the limit: opens',
      undefined,
      0.5,
      { ...healthy, candidateErrors: 30 },
      0,
      'open',
    ],
    [
      'errors above the limit on too few calls: stays closed',
      undefined,
      0.5,
      { candidateCalls: 10, candidateErrors: 10, backlogAgeSeconds: 0 },
      0,
      'none',
    ],
    [
      'backlog older than the limit: opens',
      undefined,
      0.5,
      { ...healthy, backlogAgeSeconds: 301 },
      0,
      'open',
    ],
    [
      'unknown backlog age, few errors: stays closed',
      undefined,
      0.5,
      { ...healthy, backlogAgeSeconds: null },
      0,
      'none',
    ],
    ['nothing sampled: nothing to lower', undefined, 0, { ...healthy, candidateErrors: 90 }, 0, 'none'],
    ['open and healthy before its minimum time: stays open', open, 0.05, healthy, 30, 'none'],
    ['open and healthy after its minimum time: closes', open, 0.05, healthy, 61, 'close'],
    [
      'open, errors between half the limit and the limit: stays open',
      open,
      0.05,
      { ...healthy, candidateErrors: 15 },
      61,
      'none',
    ],
    [
      'open, no calls at all: stays open',
      open,
      0.05,
      { candidateCalls: 0, candidateErrors: 0, backlogAgeSeconds: 0 },
      61,
      'none',
    ],
    [
      'open, backlog still above half the limit: stays open',
      open,
      0.05,
      { ...healthy, backlogAgeSeconds: 200 },
      61,
      'none',
    ],
    [
      'open, sample rate changed by hand: closes without restoring',
      open,
      0.3,
      { ...healthy, candidateErrors: 90 },
      10,
      'close',
    ],
  ] as const)('%s', (_what, breaker, sampleRate, health, seconds, kind) => {
    const decision = decideBreaker({
      breaker,
      knobs: { ...deployTime, sampleRate },
      health,
      limits,
      now: at(seconds),
    });
    expect(decision.kind).toBe(kind);
  });

  it('opening lowers the rate by the factor and remembers the rate to restore', () => {
    const decision = decideBreaker({
      breaker: undefined,
      knobs: { ...deployTime, sampleRate: 0.3 },
      health: { candidateCalls: 50, candidateErrors: 25, backlogAgeSeconds: 400 },
      limits,
      now: at(0),
    });
    expect(decision).toEqual({
      kind: 'open',
      reason:
        'candidate error rate 50% over 50 calls > 20% and shadow backlog 400 s old > 300 s: sample rate 0.3 -> 0.03',
      breaker: {
        openedAt: iso(0),
        reason: expect.any(String),
        nominalSampleRate: 0.3,
        reducedSampleRate: 0.03,
      },
    });
  });

  it('closing restores the nominal rate; a rate set by hand stands', () => {
    const restore = decideBreaker({
      breaker: open,
      knobs: { ...deployTime, sampleRate: 0.05 },
      health: healthy,
      limits,
      now: at(61),
    });
    expect(restore).toMatchObject({ kind: 'close', restoreSampleRate: 0.5 });
    const manual = decideBreaker({
      breaker: open,
      knobs: { ...deployTime, sampleRate: 0.3 },
      health: healthy,
      limits,
      now: at(1),
    });
    expect(manual).toMatchObject({ kind: 'close', restoreSampleRate: undefined });
  });
});
