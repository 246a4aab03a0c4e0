import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ComparisonRecord } from '../../lambda/core/comparison-record';
import { churnV1, churnV2 } from '../../local/models/churn';
import { waitFor } from '../support/wait-for';
import { CHURN_EXAMPLE, getComparison, predict, waitForComparison } from './api-client';
import { type LocalProcess, startLocalProcess } from './local-process';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

/** Runs the CLI as a user would (`npx shadow-rollout …` is this same bin). */
async function cli(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, ['cli/bin.mjs', ...args], { cwd: ROOT, timeout: 60_000 });
    return { stdout, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: `${e.stdout ?? ''}${e.stderr ?? ''}`, code: e.code ?? 1 };
  }
}

const answerOf = (model: typeof churnV1, input: unknown) =>
  model.invoke({
    body: Buffer.from(JSON.stringify(input)),
    contentType: 'application/json',
    accept: undefined,
  }).body;

const USERS = Array.from({ length: 40 }, (_, i) => `user-${i}`);

async function variantsByUser(url: string): Promise<Map<string, string>> {
  const variants = new Map<string, string>();
  await Promise.all(
    USERS.map(async (user) => {
      const response = await predict(url, CHURN_EXAMPLE, { 'X-User-Id': user });
      expect(response.status).toBe(200);
      variants.set(user, response.headers.get('x-served-variant') ?? '');
    }),
  );
  return variants;
}

const canaryShare = (variants: Map<string, string>) =>
  [...variants.values()].filter((v) => v === 'canary').length / variants.size;

async function postOutcome(
  url: string,
  body: unknown,
): Promise<{ status: number; json: { status?: string } }> {
  const response = await fetch(`${url}/outcomes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { status?: string } };
}

describe('rollout flow in local mode: shadow -> canary -> rollback / promote, through HTTP and the CLI', () => {
  let local: LocalProcess;

  beforeAll(async () => {
    // A candidate without injected errors: this test is about routing, not failures.
    local = await startLocalProcess(['--batch-window', '0.1', '--models', 'test/e2e/models.healthy.json']);
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('starts in shadow: every user is served by production', async () => {
    expect(canaryShare(await variantsByUser(local.url))).toBe(0);
  });

  it('serves a sticky canary share after `set --canary-percent`, without a restart', async () => {
    const set = await cli('set', '--canary-percent', '50', '--reason', 'e2e canary', '--url', local.url);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/canary share \(%\)\s+0 -> 50/);

    await waitFor(
      async () => (canaryShare(await variantsByUser(local.url)) > 0 ? true : undefined),
      'the canary to be served',
      20_000,
    );
    // Sampled again once the router has the new config: the round that first saw it may have
    // straddled the refresh (some users answered with the cached 0%).
    const first = await variantsByUser(local.url);
    // 40 users at 50%: far outside [15%, 85%] only with probability < 1e-5.
    expect(canaryShare(first)).toBeGreaterThan(0.15);
    expect(canaryShare(first)).toBeLessThan(0.85);
    // Sticky: the same users get the same variant again.
    expect(await variantsByUser(local.url)).toEqual(first);

    const canaryUser = [...first].find(([, v]) => v === 'canary')?.[0] as string;
    const response = await predict(local.url, CHURN_EXAMPLE, { 'X-User-Id': canaryUser });
    expect(response.text).toBe(answerOf(churnV2, CHURN_EXAMPLE));
    expect(response.headers.get('x-shadow')).toBe('skipped');
  }, 60_000);

  it('joins outcomes in both orders, for both served variants', async () => {
    const variants = await variantsByUser(local.url);
    const canaryUser = [...variants].find(([, v]) => v === 'canary')?.[0] as string;
    const productionUser = [...variants].find(([, v]) => v === 'production')?.[0] as string;

    // Outcome first: posted right after the answer, before the worker has stored the record.
    const canaryResponse = await predict(local.url, CHURN_EXAMPLE, {
      'X-User-Id': canaryUser,
      'X-Request-Id': 'e2e-canary-1',
    });
    expect(canaryResponse.headers.get('x-served-variant')).toBe('canary');
    const early = await postOutcome(local.url, { requestId: 'e2e-canary-1', converted: true, value: 30 });
    expect(early.status).toBe(202);

    // Outcome second: after the comparison exists.
    await predict(local.url, CHURN_EXAMPLE, { 'X-User-Id': productionUser, 'X-Request-Id': 'e2e-prod-1' });
    await waitForComparison(local.url, 'e2e-prod-1');
    const late = await postOutcome(local.url, { requestId: 'e2e-prod-1', converted: false, label: 'stay' });
    expect(late.json.status).toBe('joined');

    const canaryRecord = await waitForComparison(local.url, 'e2e-canary-1');
    expect(canaryRecord).toMatchObject({
      servedVariant: 'canary',
      candidates: [],
      outcome: { converted: true, value: 30 },
    });
    const productionRecord = JSON.parse(
      (await getComparison(local.url, 'e2e-prod-1')).text,
    ) as ComparisonRecord;
    expect(productionRecord).toMatchObject({
      servedVariant: 'production',
      outcome: { converted: false, label: 'stay' },
    });
    expect(productionRecord.candidates[0]?.comparison).toBeDefined();

    const report = JSON.parse((await cli('report', '--json', '--url', local.url)).stdout);
    expect(report.conversion.canary).toMatchObject({ successes: 1, trials: 1 });
    expect(report.conversion.production).toMatchObject({ successes: 0, trials: 1 });
    expect(['PROMOTE', 'CONTINUE', 'REJECT', 'INVALID']).toContain(report.verdict.decision);
  }, 60_000);

  it('rolls the canary back when a guardrail alarm fires (simulated by a command)', async () => {
    const alarm = await cli('alarm', 'shadow-rollout-local-CanaryConversionDrop', '--url', local.url);
    expect(alarm.stdout).toContain('canary rolled back');

    await waitFor(
      async () => (canaryShare(await variantsByUser(local.url)) === 0 ? true : undefined),
      'every user back on production',
      20_000,
    );
    const status = await cli('status', '--json', '--url', local.url);
    const doc = JSON.parse(status.stdout).document;
    expect(doc).toMatchObject({ updatedBy: 'automatic-rollback', overrides: { canaryPercent: 0 } });
    // Recorded under the alarm's real name, as a deployed stage names it.
    expect(doc.reason).toContain('shadow-rollout-local-Canary-ConversionDrop-Critical');
  }, 60_000);

  it('promotes the candidate, then rolls back to the previous production, without a redeploy', async () => {
    // A handful of requests is no PROMOTE verdict: this test is about routing, so it overrides.
    const promoted = await cli('promote', '--force', '--reason', 'e2e routing test', '--url', local.url);
    expect(promoted.stdout).toContain('Promoted churn-v2 to production');
    expect(promoted.stdout).toContain('production endpoint    churn-v1 -> churn-v2');
    await waitFor(
      async () =>
        (await predict(local.url, CHURN_EXAMPLE)).text === answerOf(churnV2, CHURN_EXAMPLE)
          ? true
          : undefined,
      'churn-v2 to answer as production',
      20_000,
    );

    expect((await cli('rollback', '--url', local.url)).stdout).toContain(
      'production endpoint    churn-v2 -> churn-v1',
    );
    await waitFor(
      async () =>
        (await predict(local.url, CHURN_EXAMPLE)).text === answerOf(churnV1, CHURN_EXAMPLE)
          ? true
          : undefined,
      'churn-v1 to answer as production again',
      20_000,
    );
  }, 60_000);

  it('refuses invalid changes with a clear message and changes nothing', async () => {
    const before = (await cli('status', '--json', '--url', local.url)).stdout;
    const refused = await cli('set', '--sample-rate', '2', '--url', local.url);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('Refused: sampleRate must be a number from 0 to 1');
    expect((await cli('status', '--json', '--url', local.url)).stdout).toBe(before);
  });
});
