import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RolloutStatus } from '../../lambda/use-cases/rollout/manage-rollout';
import { waitFor } from '../support/wait-for';
import { CHURN_EXAMPLE } from './api-client';
import { type LocalProcess, startLocalProcess } from './local-process';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);
const WALK_TIMEOUT_MS = 240_000;

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['cli/bin.mjs', ...args], {
      cwd: ROOT,
      timeout: 90_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 };
  }
}

async function status(url: string): Promise<RolloutStatus> {
  const result = await cli('rollout', 'status', '--json', '--url', url);
  if (result.code !== 0) throw new Error(`rollout status failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as RolloutStatus;
}

/** Waits for the rollout to leave `running`; still running at the deadline, says its step and verdict. */
async function rolloutEnd(url: string): Promise<RolloutStatus> {
  let last: RolloutStatus | undefined;
  return waitFor(
    async () => {
      last = await status(url);
      return last.state === 'running' ? undefined : last;
    },
    'the rollout to end',
    WALK_TIMEOUT_MS,
  ).catch((error: Error) => {
    const { step, verdict } = last ?? {};
    throw new Error(`${error.message}: at step ${step}, verdict ${JSON.stringify(verdict)}`);
  });
}

async function routing(url: string): Promise<{ productionEndpoint: string; canaryPercent: number }> {
  return JSON.parse((await cli('status', '--json', '--url', url)).stdout).effective;
}

/**
 * Demo-like traffic until stopped: sticky users, conversions posted for answers of both variants
 * (so the canary's conversion guardrail has data in both arms).
 */
function startTraffic(url: string, concurrency = 3): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      const user = `user-${(w * 7919 + i * 31) % 2000}`;
      try {
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-user-id': user },
          body: JSON.stringify({ ...CHURN_EXAMPLE, tenure_months: 1 + (i % 60) }),
        });
        await response.arrayBuffer();
        const requestId = response.headers.get('x-request-id');
        // Both arms followed up alike: an outcome for every answer (asymmetric follow-up would bias
        // the per-user comparison), half of them conversions. Every answer converting would leave
        // the conversion test no variance and no non-conversions: it could never decide.
        if (response.ok && requestId)
          await fetch(`${url}/outcomes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ requestId, converted: (w + i) % 2 === 0 }),
          }).then((r) => r.arrayBuffer());
        sent += 1;
      } catch {
        // The process may be stopping; the next loop ends.
      }
    }
  };
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return sent;
    },
  };
}

/** A short plan: shadow, then 50 % (conversion is judged per user: half of them in each arm); the guardrails loosened where this test is not about them. */
function writePlan(dir: string): string {
  const guardrails = {
    minSampleSize: 30,
    maxErrorRate: 0.2,
    // Latency on a shared test machine says nothing about the candidate: not what this test judges.
    maxP99LatencyMs: 60_000,
    maxLatencyIncreaseMs: 60_000,
    maxConversionDrop: 0.5,
    // The stage's relative limit (10 % of a 50 % rate) would need thousands of users per arm.
    maxConversionDropRelative: 0.9,
  };
  const step = (canaryPercent: number) => ({
    canaryPercent,
    minDuration: '1s',
    maxDuration: '10m',
    minSamples: 20,
    guardrails,
  });
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify({ steps: [step(0), step(50)], promote: true }));
  return file;
}

/**
 * Local mode on a models file, its rollout ticking every half second, for one describe block:
 * started in its `beforeAll`; stopped, with any traffic started, in its `afterAll`.
 */
function localRollout(models: string) {
  let local: LocalProcess | undefined;
  let traffic: { stop(): Promise<number> } | undefined;
  beforeAll(async () => {
    local = await startLocalProcess(['--batch-window', '0.1', '--rollout-tick', '0.5', '--models', models]);
  });
  afterAll(async () => {
    await traffic?.stop();
    await local?.stop();
  });
  const running = (): LocalProcess => {
    if (local === undefined) throw new Error('local mode is started in beforeAll');
    return local;
  };
  return {
    get url(): string {
      return running().url;
    },
    output: (): string => running().output(),
    /** Demo-like traffic until the block ends. */
    startTraffic: (): void => {
      traffic = startTraffic(running().url);
    },
  };
}

describe('progressive rollout in local mode, through HTTP and the CLI only', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shadow-rollout-plan-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('a clearly good candidate', () => {
    const local = localRollout('test/e2e/models.good-candidate.json');

    it(
      'walks every step to promoted, holding while paused; promote then names what is already production',
      async () => {
        const started = await cli(
          'rollout',
          'start',
          '--plan',
          writePlan(dir),
          '--reason',
          'e2e walk',
          '--url',
          local.url,
        );
        expect(started.code).toBe(0);
        expect(started.stdout).toContain('RUNNING at step 0');

        // Paused before any traffic: no step can have the evidence to move yet, whatever the timing.
        const paused = await cli('rollout', 'pause', '--reason', 'e2e hold', '--url', local.url);
        expect(paused.code).toBe(0);
        expect(paused.stdout).toContain('PAUSED at step 0');
        local.startTraffic();
        // Evidence that would advance a running rollout, then room for several ticks: still held.
        await waitFor(
          async () => {
            const s = await status(local.url);
            return s.verdict?.decision === 'PROMOTE' && s.verdict.samples >= 20 ? true : undefined;
          },
          'a PROMOTE verdict on step 0 while paused',
          WALK_TIMEOUT_MS,
        );
        await new Promise((r) => setTimeout(r, 3000));
        expect(await status(local.url)).toMatchObject({
          state: 'paused',
          step: 0,
          hold: { reason: 'e2e hold' },
        });
        expect((await routing(local.url)).canaryPercent).toBe(0);
        expect((await cli('rollout', 'pause', '--url', local.url)).stderr).toContain(
          'Refused: the rollout is already paused',
        );

        expect(await cli('rollout', 'resume', '--reason', 'e2e go on', '--url', local.url)).toMatchObject({
          code: 0,
        });
        const done = await rolloutEnd(local.url);
        // On a failure, say why the walk ended where it did (the last transition and its evidence).
        if (done.state !== 'promoted')
          throw new Error(`the walk ended ${done.state}: ${JSON.stringify(done.history.at(-1))}`);
        expect(done.history.map((t) => [t.event, t.step, t.canaryPercent])).toEqual([
          ['start', 0, 0],
          ['pause', 0, 0],
          ['resume', 0, 0],
          ['advance', 1, 50],
          ['promote', 1, 0],
        ]);
        expect(done.history[3]?.evidence?.decision).toBe('PROMOTE');
        expect(done.history[4]?.evidence?.decision).toBe('PROMOTE');
        expect(await routing(local.url)).toMatchObject({ productionEndpoint: 'churn-v2', canaryPercent: 0 });

        const again = await cli('promote', '--url', local.url);
        expect(again.code).toBe(0);
        expect(again.stdout).toContain('Nothing to promote');
        expect(again.stdout).toContain(
          'churn-v2 is already production (churn-v1 is the previous production, kept for rollback)',
        );
      },
      3 * WALK_TIMEOUT_MS,
    );

    it('keeps the previous production referenced: rollback restores it', async () => {
      const rolledBack = await cli('rollback', '--reason', 'e2e: back to v1', '--url', local.url);
      expect(rolledBack.stdout).toContain('production endpoint    churn-v2 -> churn-v1');
      expect(await routing(local.url)).toMatchObject({ productionEndpoint: 'churn-v1' });
      const s = await status(local.url);
      expect(s.state).toBe('rolled_back');
      expect(s.history.at(-1)?.reason).toContain('churn-v1 restored as production');
    });

    it('ends at a manual rollback mid-walk', async () => {
      expect(await cli('rollout', 'start', '--plan', writePlan(dir), '--url', local.url)).toMatchObject({
        code: 0,
      });
      const rollback = await cli('rollback', '--reason', 'e2e: stop mid-walk', '--url', local.url);
      expect(rollback.code).toBe(0);
      const s = await status(local.url);
      expect(s).toMatchObject({ state: 'rolled_back', step: 0, canaryPercent: 0 });
      expect(s.history.map((t) => t.event)).toEqual(['start', 'rollback']);
      expect(s.history.at(-1)).toMatchObject({ event: 'rollback', reason: 'e2e: stop mid-walk' });
      expect(await routing(local.url)).toMatchObject({ productionEndpoint: 'churn-v1', canaryPercent: 0 });
      // The controller leaves an ended rollout alone.
      await new Promise((r) => setTimeout(r, 2000));
      expect((await status(local.url)).history).toHaveLength(2);
    }, 60_000);

    it('promote refuses without a PROMOTE verdict; --force needs a reason and is recorded', async () => {
      // A new sample rate starts a new experiment: too few samples for PROMOTE yet.
      expect(await cli('set', '--sample-rate', '0.9', '--url', local.url)).toMatchObject({ code: 0 });
      const refused = await cli('promote', '--url', local.url);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^Refused: the verdict for churn-v2 is (CONTINUE|REJECT), not PROMOTE/);
      const noReason = await cli('promote', '--force', '--url', local.url);
      expect(noReason.code).toBe(2);
      expect(noReason.stderr.trim().split('\n')).toHaveLength(1);
      expect(noReason.stderr).toContain('--force needs --reason TEXT');

      const forced = await cli('promote', '--force', '--reason', 'e2e override', '--url', local.url);
      expect(forced.code).toBe(0);
      expect(forced.stdout).toContain('Promoted churn-v2 to production');
      expect(forced.stdout).toContain('FORCED');
      const history = JSON.parse((await cli('status', '--json', '--url', local.url)).stdout).document.history;
      expect(history[0]).toMatchObject({
        action: 'promote',
        forced: true,
        reason: expect.stringContaining('e2e override'),
      });
    }, 120_000);
  });

  describe('a clearly bad candidate', () => {
    const local = localRollout('test/e2e/models.bad-candidate.json');

    it(
      'rolls back at the first step whose guardrail fails; status and the report say why',
      async () => {
        expect(await cli('rollout', 'start', '--plan', writePlan(dir), '--url', local.url)).toMatchObject({
          code: 0,
        });
        // Traffic only once the rollout runs: its 50 % errors trip the shadow circuit breaker after
        // 20 calls, and a rollout is refused while the breaker is open (start when healthy).
        local.startTraffic();
        const done = await rolloutEnd(local.url);
        expect(done).toMatchObject({ state: 'rolled_back', step: 0, canaryPercent: 0 });
        expect(done.history.at(-1)).toMatchObject({
          event: 'rollback',
          by: 'rollout-controller',
          reason: 'step 0 (shadow): verdict REJECT on maxErrorRate',
          evidence: { decision: 'REJECT', guardrail: 'maxErrorRate' },
        });
        expect(await routing(local.url)).toMatchObject({ productionEndpoint: 'churn-v1', canaryPercent: 0 });

        const text = await cli('rollout', 'status', '--url', local.url);
        expect(text.stdout).toContain('ROLLED_BACK');
        expect(text.stdout).toContain('verdict REJECT on maxErrorRate');
        const report = await cli('report', '--url', local.url, '--html', join(dir, 'report.html'));
        expect(report.code).toBe(0);
        expect(report.stdout).toContain('Rollout of churn-v2: ROLLED_BACK at step 0');
        expect(report.stdout).toContain('verdict REJECT on maxErrorRate');
        expect(local.output()).toContain('ROLLOUT Rollout ROLLED BACK: churn-v2');
      },
      WALK_TIMEOUT_MS + 30_000,
    );
  });
});
