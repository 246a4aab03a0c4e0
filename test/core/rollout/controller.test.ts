import { decideTick, type TickInput } from '../../../lambda/core/rollout/controller';
import { at, iso, knobsAt, rolloutAt, verdict } from './fixtures';

/** A tick at step `step`, `seconds` after the step began, with the routing the rollout set. */
function tick(step: number, seconds: number, overrides: Partial<TickInput> = {}): TickInput {
  return {
    rollout: rolloutAt(step),
    breaker: undefined,
    knobs: knobsAt(step),
    verdict: verdict('CONTINUE'),
    alarms: [],
    now: at(seconds),
    ...overrides,
  };
}

describe('the controller decides each tick on the current step alone', () => {
  it.each([
    // [what, input, expected kind, expected extra]
    [
      'PROMOTE, baked, enough samples: next step',
      tick(0, 61, { verdict: verdict('PROMOTE', 80) }),
      'advance',
      { toStep: 1 },
    ],
    ['PROMOTE before the bake time: wait', tick(0, 30, { verdict: verdict('PROMOTE', 80) }), 'wait', {}],
    ['PROMOTE with too few samples: wait', tick(0, 61, { verdict: verdict('PROMOTE', 49) }), 'wait', {}],
    [
      'PROMOTE on the last step: promote (plan says so)',
      tick(2, 61, { verdict: verdict('PROMOTE') }),
      'promote',
      {},
    ],
    [
      'PROMOTE on the last step of a plan that does not promote: complete',
      tick(2, 61, {
        verdict: verdict('PROMOTE'),
        rollout: { ...rolloutAt(2), plan: { ...rolloutAt(2).plan, promote: false } },
      }),
      'complete',
      {},
    ],
    ['CONTINUE before the deadline: wait', tick(1, 599), 'wait', {}],
    ['CONTINUE at the deadline: pause', tick(1, 600), 'pause', {}],
    [
      'PROMOTE short of samples at the deadline: pause',
      tick(1, 600, { verdict: verdict('PROMOTE', 10) }),
      'pause',
      {},
    ],
    [
      'REJECT at once, even before the bake time: roll back',
      tick(1, 5, { verdict: verdict('REJECT', 10, 'maxErrorRate') }),
      'rollback',
      {},
    ],
    [
      'INVALID (sample ratio mismatch): roll back',
      tick(1, 5, { verdict: verdict('INVALID') }),
      'rollback',
      {},
    ],
    [
      'a guardrail alarm, whatever the verdict: roll back',
      tick(1, 61, { verdict: verdict('PROMOTE'), alarms: ['CanaryErrorRate'] }),
      'rollback',
      {},
    ],
    ['no verdict this tick: wait', tick(1, 61, { verdict: undefined }), 'wait', {}],
    [
      'paused and PROMOTE: stays paused',
      tick(1, 61, { verdict: verdict('PROMOTE'), rollout: rolloutAt(1, { state: 'paused' }) }),
      'wait',
      {},
    ],
    [
      'paused and past the deadline: stays paused',
      tick(1, 9999, { rollout: rolloutAt(1, { state: 'paused' }) }),
      'wait',
      {},
    ],
    [
      'paused and REJECT: roll back all the same',
      tick(1, 61, { verdict: verdict('REJECT'), rollout: rolloutAt(1, { state: 'paused' }) }),
      'rollback',
      {},
    ],
    [
      'canary changed by hand: pause (the person wins)',
      tick(1, 61, { verdict: verdict('PROMOTE'), knobs: { ...knobsAt(1), canaryPercent: 30 } }),
      'manual-change',
      {},
    ],
    [
      'shadow switched off: pause',
      tick(1, 61, { knobs: { ...knobsAt(1), shadowEnabled: false } }),
      'manual-change',
      {},
    ],
    [
      'another production: pause',
      tick(1, 61, {
        knobs: { ...knobsAt(1), productionEndpoint: 'churn-v2', candidateEndpoints: ['churn-v1'] },
      }),
      'manual-change',
      {},
    ],
    [
      'breaker open and its reduced rate in force: no drift',
      tick(1, 61, {
        verdict: verdict('PROMOTE'),
        knobs: { ...knobsAt(1), sampleRate: 0.1 },
        breaker: { openedAt: iso(10), reason: 'x', nominalSampleRate: 1, reducedSampleRate: 0.1 },
      }),
      'advance',
      { toStep: 2 },
    ],
  ] as const)('%s', (_what, input, kind, extra) => {
    const decision = decideTick(input);
    expect(decision.kind).toBe(kind);
    expect(decision).toMatchObject(extra);
  });

  it('names the step, the verdict and its guardrail in a rollback reason, and carries the evidence', () => {
    const decision = decideTick(tick(1, 5, { verdict: verdict('REJECT', 12, 'minAgreement') }));
    expect(decision).toEqual({
      kind: 'rollback',
      reason: 'step 1 (canary 10%): verdict REJECT on minAgreement',
      evidence: verdict('REJECT', 12, 'minAgreement'),
    });
  });

  it('says why an inconclusive step paused', () => {
    const decision = decideTick(tick(1, 600));
    expect(decision).toMatchObject({
      kind: 'pause',
      reason: expect.stringContaining(
        'step 1 (canary 10%) inconclusive at its maximum duration 10m (verdict CONTINUE)',
      ),
    });
  });
});
