import { parsePlan } from '../../../lambda/core/rollout/plan';
import {
  applyConfigAction,
  effectiveKnobs,
  InvalidConfigChangeError,
} from '../../../lambda/core/runtime-config';
import {
  holdRollout,
  PromotionRefusedError,
  promoteCandidate,
  rolloutStatus,
  startRollout,
} from '../../../lambda/use-cases/rollout/manage-rollout';
import { type ControllerSettings, runControllerTick } from '../../../lambda/use-cases/rollout/run-controller';
import { stages } from '../../../lib/config/stages';
import { at, deployTime } from '../../core/rollout/fixtures';
import { CountingMetrics, InMemoryDocuments, RecordingNotifier, ScriptedVerdicts } from './fakes';

const plan = parsePlan({
  steps: [
    { canaryPercent: 0, sampleRate: 0.5, minDuration: '60s', maxDuration: '10m', minSamples: 50 },
    { canaryPercent: 10, minDuration: '60s', maxDuration: '10m', minSamples: 50 },
    { canaryPercent: 50, minDuration: '60s', maxDuration: '10m' },
  ],
  promote: true,
});

const settings: ControllerSettings = {
  deployTime,
  allowedEndpoints: ['churn-v1', 'churn-v2'],
  guardrails: stages.dev.guardrails,
  breaker: {
    maxCandidateErrorRate: 0.2,
    maxBacklogAgeSeconds: 300,
    minCandidateCalls: 20,
    reducedSampleRateFactor: 0.1,
    minOpenMs: 60_000,
  },
};
const person = { by: 'alice via CLI', reason: 'ship churn-v2' };
const PROMOTE = { decision: 'PROMOTE', samples: 200, summary: 'every guardrail met' } as const;
const CONTINUE = { decision: 'CONTINUE', samples: 20, summary: 'agreement undecided' } as const;

function system(verdict = new ScriptedVerdicts(PROMOTE)) {
  const config = new InMemoryDocuments();
  const notifier = new RecordingNotifier();
  const metrics = new CountingMetrics();
  let health = { candidateCalls: 100, candidateErrors: 0, backlogAgeSeconds: 1 as number | null };
  const ports = {
    config,
    verdicts: verdict,
    notifier,
    metrics,
    health: { read: async () => health },
  };
  return {
    config,
    verdict,
    notifier,
    metrics,
    ports,
    setHealth: (h: typeof health) => (health = h),
    knobs: () => effectiveKnobs(deployTime, config.doc),
    tick: (seconds: number) => runControllerTick(ports, settings, at(seconds)),
    start: () => startRollout(ports, settings, { plan, source: 'test plan' }, person, at(0)),
  };
}

describe('rollout use cases with explicit ticks', () => {
  it('walks every step to promoted, judging each step on its own data', async () => {
    const s = system();
    await s.start();
    expect(s.knobs()).toMatchObject({ canaryPercent: 0, sampleRate: 0.5 });

    expect((await s.tick(30)).rollout?.kind).toBe('wait'); // still baking
    expect((await s.tick(61)).rollout).toMatchObject({ kind: 'advance', toStep: 1 });
    expect(s.knobs()).toMatchObject({ canaryPercent: 10, sampleRate: 1 });
    expect((await s.tick(122)).rollout).toMatchObject({ kind: 'advance', toStep: 2 });
    expect(s.knobs()).toMatchObject({ canaryPercent: 50 });
    expect((await s.tick(183)).rollout?.kind).toBe('promote');

    expect(s.knobs()).toMatchObject({
      productionEndpoint: 'churn-v2',
      candidateEndpoints: ['churn-v1'],
      canaryPercent: 0,
    });
    expect(s.config.doc?.previousProduction).toBe('churn-v1');
    // Each step was judged from its own start only.
    expect(s.verdict.requests.map((r) => r.experimentSince.toISOString())).toEqual([
      at(0).toISOString(),
      at(0).toISOString(),
      at(61).toISOString(),
      at(122).toISOString(),
    ]);
    const status = await rolloutStatus(s.ports, settings, at(200));
    expect(status).toMatchObject({ state: 'promoted', step: 2, canaryPercent: 0 });
    expect(
      status.history.map((t) => [t.event, t.step, t.canaryPercent, t.evidence?.decision ?? null]),
    ).toEqual([
      ['start', 0, 0, null],
      ['advance', 1, 10, 'PROMOTE'],
      ['advance', 2, 50, 'PROMOTE'],
      ['promote', 2, 0, 'PROMOTE'],
    ]);
    expect(s.config.doc?.history.map((h) => h.action)).toEqual([
      'promote',
      'rollout-step',
      'rollout-step',
      'rollout-start',
    ]);
    expect(s.notifier.sent.map((n) => n.subject)).toEqual([
      'Rollout started: churn-v2',
      'Rollout advanced: churn-v2 (from step 0)',
      'Rollout advanced: churn-v2 (from step 1)',
      'Rollout promoted the candidate: churn-v2 (from step 2)',
    ]);
    expect(s.metrics.counts.RolloutTransitions).toBe(3);
    // Nothing more to do: ticks write nothing.
    const writes = s.config.writes;
    await s.tick(300);
    expect(s.config.writes).toBe(writes);
  });

  it('rolls back on REJECT: canary 0, shadow kept, reason and evidence recorded, notified and counted', async () => {
    const s = system();
    await s.start();
    await s.tick(61);
    s.verdict.next = {
      decision: 'REJECT',
      samples: 80,
      summary: 'candidate error rate 12%',
      guardrail: 'maxErrorRate',
    };
    expect((await s.tick(70)).rollout?.kind).toBe('rollback');
    expect(s.knobs()).toMatchObject({
      canaryPercent: 0,
      shadowEnabled: true,
      productionEndpoint: 'churn-v1',
    });
    const status = await rolloutStatus(s.ports, settings, at(80));
    expect(status.state).toBe('rolled_back');
    expect(status.history.at(-1)).toMatchObject({
      event: 'rollback',
      by: 'rollout-controller',
      reason: 'step 1 (canary 10%): verdict REJECT on maxErrorRate',
      evidence: { decision: 'REJECT', guardrail: 'maxErrorRate', samples: 80 },
    });
    expect(s.config.doc?.history[0]).toMatchObject({
      action: 'rollback',
      evidence: expect.stringContaining('REJECT (maxErrorRate) on 80 samples'),
    });
    expect(s.notifier.sent.at(-1)?.subject).toBe('Rollout ROLLED BACK: churn-v2 (from step 1)');
    expect(s.metrics.counts.RolloutRollbacks).toBe(1);
  });

  it('pauses an inconclusive step at its maximum duration and resumes it with a new deadline', async () => {
    const s = system(new ScriptedVerdicts(CONTINUE));
    await s.start();
    expect((await s.tick(599)).rollout?.kind).toBe('wait');
    expect((await s.tick(600)).rollout?.kind).toBe('pause');
    expect((await rolloutStatus(s.ports, settings, at(601))).hold?.reason).toContain('inconclusive');
    expect(s.notifier.sent.at(-1)?.subject).toBe('Rollout paused: inconclusive: churn-v2 (from step 0)');

    await holdRollout(s.ports, settings, 'resume', person, at(700));
    const resumed = await rolloutStatus(s.ports, settings, at(701));
    expect(resumed).toMatchObject({
      state: 'running',
      step: 0,
      stepStartedAt: at(0).toISOString(),
      stepDeadline: at(1300).toISOString(),
    });
    s.verdict.next = PROMOTE;
    expect((await s.tick(701)).rollout).toMatchObject({ kind: 'advance', toStep: 1 });
  });

  it('respects a manual hold, then resumes; abort returns to shadow only', async () => {
    const s = system();
    await s.start();
    await holdRollout(
      s.ports,
      settings,
      'pause',
      { by: 'bob', reason: 'waiting for the marketing email' },
      at(10),
    );
    expect((await s.tick(120)).rollout?.kind).toBe('wait');
    expect(s.knobs().canaryPercent).toBe(0);
    await expect(holdRollout(s.ports, settings, 'pause', person, at(121))).rejects.toThrow('already paused');
    await holdRollout(s.ports, settings, 'resume', person, at(130));
    expect((await s.tick(131)).rollout).toMatchObject({ kind: 'advance', toStep: 1 });
    await holdRollout(s.ports, settings, 'abort', { by: 'bob', reason: 'wrong candidate' }, at(140));
    expect(s.knobs().canaryPercent).toBe(0);
    expect((await rolloutStatus(s.ports, settings, at(141))).state).toBe('aborted');
    await expect(holdRollout(s.ports, settings, 'resume', person, at(150))).rejects.toThrow(
      'no rollout is active (the last one ended aborted)',
    );
  });

  it('a concurrent manual change wins: the controller decides again on fresh data and pauses', async () => {
    const s = system();
    await s.start();
    // Between the controller's read and its write, a person sets the canary by hand.
    s.config.interleave = () => {
      s.config.doc = applyConfigAction(
        deployTime,
        s.config.doc,
        { action: 'set', values: { canaryPercent: 5 } },
        {
          at: at(60).toISOString(),
          by: 'carol via CLI',
          reason: 'hand test',
          allowedEndpoints: settings.allowedEndpoints,
        },
      );
    };
    const outcome = await s.tick(61);
    expect(outcome.rollout?.kind).toBe('wait'); // re-decided on the fresh document: paused by the set
    expect(s.knobs().canaryPercent).toBe(5);
    const status = await rolloutStatus(s.ports, settings, at(62));
    expect(status.state).toBe('paused');
    expect(status.hold).toMatchObject({
      by: 'carol via CLI',
      reason: expect.stringContaining('canaryPercent=5'),
    });
  });

  it('a manual rollback mid-walk ends the rollout rolled back; the controller then leaves it alone', async () => {
    const s = system();
    await s.start();
    await s.tick(61);
    s.config.doc = applyConfigAction(
      deployTime,
      s.config.doc,
      { action: 'rollback' },
      {
        at: at(70).toISOString(),
        by: 'automatic-rollback',
        reason: 'alarm CanaryConversionDrop',
        allowedEndpoints: settings.allowedEndpoints,
      },
    );
    expect(s.knobs()).toMatchObject({ canaryPercent: 0, productionEndpoint: 'churn-v1' });
    expect(await s.tick(200)).toEqual({ breaker: { kind: 'none' } });
    const status = await rolloutStatus(s.ports, settings, at(201));
    expect(status.state).toBe('rolled_back');
    expect(status.history.at(-1)).toMatchObject({
      by: 'automatic-rollback',
      reason: 'alarm CanaryConversionDrop',
    });
  });

  it('refuses a second rollout while one is active, and a rollout of the previous production', async () => {
    const s = system();
    await s.start();
    await expect(s.start()).rejects.toThrow('a rollout is already running');
    for (const seconds of [61, 122, 183]) await s.tick(seconds);
    await expect(s.start()).rejects.toThrow('the candidate churn-v1 is the previous production');
  });

  it('opens the circuit breaker on candidate errors (counted, notified, in the history) and closes it when healthy', async () => {
    const s = system(new ScriptedVerdicts(CONTINUE));
    await s.start();
    s.setHealth({ candidateCalls: 100, candidateErrors: 50, backlogAgeSeconds: 1 });
    expect((await s.tick(10)).breaker?.kind).toBe('open');
    expect(s.knobs().sampleRate).toBe(0.05);
    expect(s.metrics.counts.ShadowBreakerTrips).toBe(1);
    expect(s.notifier.sent.at(-1)?.subject).toBe('Shadow circuit breaker open: sample rate lowered');
    // The reduced rate is the breaker's, not a manual change: the rollout keeps running.
    expect((await rolloutStatus(s.ports, settings, at(11))).state).toBe('running');
    s.setHealth({ candidateCalls: 30, candidateErrors: 0, backlogAgeSeconds: 1 });
    expect((await s.tick(40)).breaker?.kind).toBe('none'); // minimum open time
    expect((await s.tick(71)).breaker?.kind).toBe('close');
    expect(s.knobs().sampleRate).toBe(0.5);
    expect(s.metrics.counts.ShadowBreakerRestores).toBe(1);
    const events = (await rolloutStatus(s.ports, settings, at(72))).history.map((t) => t.event);
    expect(events).toEqual(['start', 'breaker-open', 'breaker-close']);
    expect(s.config.doc?.history.slice(0, 2).map((h) => h.action)).toEqual(['breaker-close', 'breaker-open']);
  });

  it('keeps judging when the verdict cannot be had, without writing', async () => {
    const s = system(new ScriptedVerdicts(new Error('report timed out')));
    await s.start();
    const writes = s.config.writes;
    expect((await s.tick(61)).rollout).toEqual({ kind: 'wait', why: 'no verdict this tick' });
    expect(s.config.writes).toBe(writes);
  });
});

describe('promote', () => {
  it('names what it promotes, refuses unless PROMOTE, and is a no-op when already production', async () => {
    const s = system(new ScriptedVerdicts(CONTINUE));
    await expect(promoteCandidate(s.ports, settings, { ...person, force: false }, at(0))).rejects.toThrow(
      PromotionRefusedError,
    );
    expect(s.config.doc).toBeUndefined();
    s.verdict.next = PROMOTE;
    const promoted = await promoteCandidate(s.ports, settings, { ...person, force: false }, at(1));
    expect(promoted).toMatchObject({
      kind: 'promoted',
      endpoint: 'churn-v2',
      previousProduction: 'churn-v1',
      forced: false,
    });
    // Twice: not a toggle.
    expect(await promoteCandidate(s.ports, settings, { ...person, force: false }, at(2))).toMatchObject({
      kind: 'already-production',
      endpoint: 'churn-v2',
      previousProduction: 'churn-v1',
    });
    expect(
      await promoteCandidate(s.ports, settings, { ...person, endpoint: 'churn-v2', force: false }, at(3)),
    ).toMatchObject({
      kind: 'already-production',
    });
    expect(s.knobs().productionEndpoint).toBe('churn-v2');
  });

  it('--force needs a reason and is recorded in the history with the verdict it overrode', async () => {
    const s = system(new ScriptedVerdicts(CONTINUE));
    await expect(
      promoteCandidate(s.ports, settings, { by: 'dan', reason: ' ', force: true }, at(0)),
    ).rejects.toThrow(InvalidConfigChangeError);
    await promoteCandidate(
      s.ports,
      settings,
      { by: 'dan', reason: 'hotfix for incident 42', force: true },
      at(1),
    );
    expect(s.config.doc?.history[0]).toMatchObject({
      action: 'promote',
      forced: true,
      reason: 'FORCED over verdict CONTINUE: hotfix for incident 42',
      evidence: expect.stringContaining('CONTINUE on 20 samples'),
    });
  });

  it('judges the current experiment: the data since the routing last changed', async () => {
    const s = system();
    s.config.doc = applyConfigAction(
      deployTime,
      undefined,
      { action: 'set', values: { sampleRate: 0.2 } },
      {
        at: at(-600).toISOString(),
        by: 'x',
        reason: 'y',
        allowedEndpoints: settings.allowedEndpoints,
      },
    );
    await promoteCandidate(s.ports, settings, { ...person, force: false }, at(0));
    expect(s.verdict.requests[0]?.experimentSince.toISOString()).toBe(at(-600).toISOString());
  });

  it('keeps the previous production referenced: rollback restores it', async () => {
    const s = system();
    await promoteCandidate(s.ports, settings, { ...person, force: false }, at(0));
    s.config.doc = applyConfigAction(
      deployTime,
      s.config.doc,
      { action: 'rollback' },
      {
        at: at(5).toISOString(),
        by: 'erin',
        reason: 'conversion down',
        allowedEndpoints: settings.allowedEndpoints,
      },
    );
    expect(s.knobs()).toMatchObject({ productionEndpoint: 'churn-v1', candidateEndpoints: ['churn-v2'] });
    expect(s.config.doc?.previousProduction).toBeUndefined();
  });
});
