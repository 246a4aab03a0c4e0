import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/wait-for';
import { getComparison, predict } from './api-client';
import { emfTotals } from './emf';
import { type LocalProcess, startLocalProcess } from './local-process';

// Throttles every call: the worker leaves each message on the queue (invisible for the stack's
// visibility timeout) and stores nothing, so the whole backlog is still there at the kill.
const THROTTLED_CANDIDATE = 'test/e2e/models.throttled-candidate.json';
const HEALTHY = 'test/e2e/models.healthy.json';
const input = (i: number) => ({
  tenure_months: i % 60,
  monthly_charges: 20 + (i % 50),
  support_calls: i % 5,
});

/**
 * Sends `total` requests from `callers` concurrent callers until `stopAfter` were answered as
 * sampled (or all were sent); returns the ids answered `X-Shadow: sampled`. A request cut off by
 * a kill was never answered and is not counted.
 */
async function traffic(
  local: LocalProcess,
  prefix: string,
  options: { total: number; callers: number; stopAfter?: number; onAnswered?: (sampled: number) => void },
): Promise<{ sampled: string[]; callersDone: Promise<unknown> }> {
  const sampled: string[] = [];
  let next = 0;
  let reached: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => (reached = resolve));
  const caller = async () => {
    while (next < options.total) {
      const i = next++;
      const id = `${prefix}-${i}`;
      let response: Awaited<ReturnType<typeof predict>>;
      try {
        response = await predict(local.url, input(i), { 'X-Request-Id': id });
      } catch {
        return; // the process is gone
      }
      if (response.status === 200 && response.headers.get('x-shadow') === 'sampled') {
        sampled.push(id);
        if (sampled.length === options.stopAfter) reached();
      }
    }
  };
  const callersDone = Promise.allSettled(Array.from({ length: options.callers }, caller));
  await Promise.race([enough, callersDone]);
  return { sampled, callersDone };
}

async function expectAllCompared(local: LocalProcess, ids: readonly string[]): Promise<void> {
  const missing = new Set(ids);
  await waitFor(
    async () => {
      for (const id of [...missing]) {
        const response = await getComparison(local.url, id);
        if (response.status === 200) missing.delete(id);
        else if (response.status !== 404) throw new Error(`GET /comparisons/${id}: ${response.status}`);
      }
      return missing.size === 0 ? true : undefined;
    },
    `a comparison for each of ${ids.length} sampled requests (${missing.size} missing)`,
    150_000,
  );
}

describe('local mode with --data-dir', () => {
  let dataDir: string;
  const running: LocalProcess[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'shadow-rollout-durable-'));
  });
  afterAll(async () => {
    for (const local of running) await local.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no sample answered as sampled when killed with SIGKILL mid-traffic, and drains on Ctrl-C', async () => {
    // Arrange
    const first = await startLocalProcess(['--data-dir', dataDir, '--models', THROTTLED_CANDIDATE]);
    running.push(first);
    const { sampled, callersDone } = await traffic(first, 'durable', {
      total: 400,
      callers: 8,
      stopAfter: 150,
    });

    // Act: kill -9 while callers are still sending.
    expect(await first.kill('SIGKILL')).toBeNull();
    await callersDone;
    const second = await startLocalProcess(['--data-dir', dataDir, '--models', HEALTHY]);
    running.push(second);

    // Assert: the stale lock is taken over, the backlog replayed, and every sample compared.
    expect(sampled.length).toBeGreaterThanOrEqual(150);
    expect(second.output()).toContain('took over the lock of a process that had died');
    const replayed = Number(/(\d+) queued sample\(s\) from the last run replayed/.exec(second.output())?.[1]);
    expect(replayed).toBeGreaterThanOrEqual(sampled.length);
    await expectAllCompared(second, sampled);

    // Ctrl-C (delivered twice, as npm and the terminal both send it) is one graceful stop.
    const more = await traffic(second, 'after-restart', { total: 40, callers: 8 });
    await more.callersDone;
    second.signal('SIGINT');
    expect(await second.kill('SIGINT')).toBe(0);
    expect(second.output()).toMatch(/stopped: answered \d+ request\(s\) in flight/);
    expect(second.output()).not.toContain('forced exit');

    const third = await startLocalProcess(['--data-dir', dataDir, '--models', HEALTHY]);
    running.push(third);
    expect(third.output()).not.toContain('took over the lock');
    await expectAllCompared(third, [...sampled, ...more.sampled]);
    expect(await third.stop()).toBe(0);
  }, 300_000);
});

describe('local mode in memory, stopped with Ctrl-C', () => {
  it('lets the worker finish the queued samples, says so, and exits 0', async () => {
    // Arrange: a candidate taking 1 s, so samples are still queued when Ctrl-C comes.
    const local = await startLocalProcess([
      '--models',
      'test/e2e/models.slow-candidate.json',
      '--drain-timeout',
      '120',
    ]);
    const { sampled, callersDone } = await traffic(local, 'drain', { total: 60, callers: 8 });
    await callersDone;

    // Act
    const code = await local.kill('SIGINT');

    // Assert: everything answered as sampled was compared before the exit (EMF counts).
    expect(code).toBe(0);
    const line = /stopped: .*worker finished (\d+) of (\d+) queued sample\(s\); (.*)/.exec(local.output());
    expect(line?.[3]).toBe('nothing left behind');
    expect(line?.[1]).toBe(line?.[2]);
    const metrics = emfTotals(local.lambdaLog());
    expect(sampled).toHaveLength(60);
    expect(metrics.get('Compared')).toBe(60);
  }, 240_000);
});

describe('npm start, stopped with Ctrl-C in a terminal', () => {
  it('drains once although the signal reaches every process of the group, and npm exits 0', async () => {
    // Arrange: its own process group, as a terminal's foreground job is.
    const logDir = mkdtempSync(join(tmpdir(), 'shadow-rollout-npm-'));
    const child = spawn('npm', ['start', '--', '--port', '0', '--lambda-log', join(logDir, 'lambda.log')], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, PORT: '' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const group = -(child.pid as number);
    try {
      const url = await waitFor(
        () => /ready on (http:\/\/\S+)/.exec(output)?.[1],
        'npm start to be ready',
        60_000,
      );
      await Promise.all(Array.from({ length: 20 }, (_, i) => predict(url, input(i))));

      // Act: what Ctrl-C does: SIGINT to npm, the shell (if any) and node at once.
      process.kill(group, 'SIGINT');

      // Assert
      expect(await exited).toBe(0);
      expect(output).toMatch(/stopped: .*; nothing left behind/);
      expect(output).not.toContain('forced exit');
      expect(output.match(/SIGINT: stopping/g)).toHaveLength(1);
    } finally {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(logDir, { recursive: true, force: true });
    }
  }, 120_000);
});
