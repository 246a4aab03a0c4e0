import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../support/wait-for';
import { CHURN_EXAMPLE, getComparison, predict } from './api-client';
import { type LocalProcess, startLocalProcess } from './local-process';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, ['cli/bin.mjs', ...args], { cwd: ROOT, timeout: 60_000 });
    return { stdout, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: `${e.stdout ?? ''}${e.stderr ?? ''}`, code: e.code ?? 1 };
  }
}

const USERS = Array.from({ length: 30 }, (_, i) => `evidence-user-${i}`);

describe('evidence log in local mode: every served request recorded while a canary runs, reported by experiment', () => {
  let local: LocalProcess;

  beforeAll(async () => {
    // No shadow sampling at all: whatever is recorded is recorded because a canary runs.
    local = await startLocalProcess([
      '--batch-window',
      '0.1',
      '--sample-rate',
      '0',
      '--models',
      'test/e2e/models.healthy.json',
    ]);
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('gives both arms outcome data and reports the experiment since the canary started', async () => {
    // Arrange: a canary on half of the users starts a new experiment.
    const set = await cli('set', '--canary-percent', '50', '--reason', 'e2e evidence', '--url', local.url);
    expect(set.code).toBe(0);
    await waitFor(
      async () =>
        (await predict(local.url, CHURN_EXAMPLE, { 'X-User-Id': 'probe' })).headers.get(
          'x-served-variant',
        ) !== null &&
        (await cli('status', '--json', '--url', local.url)).stdout.includes('"canaryPercent": 50')
          ? true
          : undefined,
      'the canary setting to be read',
      20_000,
    );
    // The router caches the runtime config: wait until a canary user is seen.
    await waitFor(
      async () => {
        for (const user of USERS) {
          const r = await predict(local.url, CHURN_EXAMPLE, { 'X-User-Id': user });
          if (r.headers.get('x-served-variant') === 'canary') return true;
        }
        return undefined;
      },
      'the canary to be served',
      20_000,
    );

    // Act: one request per user, each with an outcome; users with an even number convert.
    const served: { id: string; variant: string }[] = [];
    for (const [i, user] of USERS.entries()) {
      const id = `evidence-${i}`;
      const response = await predict(local.url, CHURN_EXAMPLE, { 'X-User-Id': user, 'X-Request-Id': id });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-shadow')).toBe('skipped');
      served.push({ id, variant: response.headers.get('x-served-variant') ?? '' });
      const posted = await fetch(`${local.url}/outcomes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ requestId: id, converted: i % 2 === 0 }),
      });
      expect(posted.status).toBe(202);
    }
    // Every request is recorded, production-served ones included (none was shadow-sampled).
    for (const { id } of served)
      await waitFor(
        async () => ((await getComparison(local.url, id)).status === 200 ? true : undefined),
        `record ${id}`,
        20_000,
      );

    // Assert: the report covers the new experiment and has conversions for both arms.
    const report = JSON.parse((await cli('report', '--json', '--url', local.url)).stdout);
    const status = JSON.parse((await cli('status', '--json', '--url', local.url)).stdout);
    expect(report.scope).toBe('experiment');
    expect(report.experiment).toMatchObject({
      id: status.document.experiment.id,
      canaryPercent: 50,
      sampleRate: 0,
    });
    expect(report.experiment.since).toBe(status.document.experiment.startedAt);
    const canary = served.filter((s) => s.variant === 'canary').length;
    expect(canary).toBeGreaterThan(0);
    expect(canary).toBeLessThan(USERS.length);
    expect(report.conversion.production.trials).toBeGreaterThanOrEqual(USERS.length - canary);
    expect(report.conversion.canary.trials).toBeGreaterThanOrEqual(canary);
    expect(report.samples.comparisons).toBe(0);

    // A trailing window is evidence, never a verdict.
    const trailing = JSON.parse((await cli('report', '--json', '--hours', '1', '--url', local.url)).stdout);
    expect(trailing.scope).toBe('trailing-window');
    expect(trailing.verdict.decision).toBe('CONTINUE');
    expect(trailing.verdict.reasons[0]).toContain('descriptive');

    // An earlier start than the experiment's would pool another configuration: refused.
    const refused = await cli('report', '--since', '2020-01-01T00:00:00Z', '--url', local.url);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('would pool another configuration');
  }, 120_000);
});
