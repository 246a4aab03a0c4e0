import type { Report } from '../../lambda/core/report/types';
import { expectOneLineMistake, runCommand, TSX } from '../support/spawned-command';
import { waitFor } from '../support/wait-for';
import { predict } from './api-client';
import { type LocalProcess, startLocalProcess } from './local-process';

const demo = (args: readonly string[]) => runCommand(TSX, ['local/demo.ts', ...args], process.env, 120_000);
let localOutput = () => '';
const cli = (args: readonly string[]) => runCommand(process.execPath, ['cli/bin.mjs', ...args]);

/** The report as `shadow-rollout report --json` gives it (a fresh process and connection each time). */
function report(url: string): Report {
  const run = cli(['report', '--json', '--url', url]);
  if (run.code !== 0) throw new Error(`report failed: ${run.stderr}\nlocal mode said:\n${localOutput()}`);
  return JSON.parse(run.stdout) as Report;
}

describe('npm run demo: traffic, outcomes as a shop posts them, and the verdict', () => {
  let local: LocalProcess;

  beforeAll(async () => {
    local = await startLocalProcess(['--batch-window', '0.1']);
    localOutput = () => local.output().slice(-3000);
  }, 90_000);
  afterAll(async () => {
    await local?.stop();
  });

  it('posts conversions for every answer and true labels for a share, so every section has data', async () => {
    const run = demo([
      ...['--url', local.url, '--requests', '60', '--users', '20', '--seed', '5'],
      ...['--conversion', 'production=0.5', '--labels', '0.5'],
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/production: \d+\/60 converted/);
    expect(run.stdout).toMatch(/true labels: \d+/);
    expect(run.stdout).toMatch(
      /Verdict \(GET \/report, 60 comparisons, 60 outcomes\): (PROMOTE|CONTINUE|REJECT)/,
    );
    // The demo waits for the worker; under load a straggler may still be on its way. In shadow
    // (no canary) conversion has no second arm to compare with: the report counts the outcomes
    // and leaves the per-variant comparison to the canary (next test).
    const data = await waitFor(
      () => {
        const r = report(local.url);
        return r.samples.outcomes === 60 ? r : undefined;
      },
      'all 60 conversions joined to their records',
      30_000,
    );
    expect(data.conversion).toBeNull();
    // Labels arrive after the conversions, as separate posts: both must be kept.
    expect(data.accuracy?.candidate.trials).toBeGreaterThan(15);
    expect(data.accuracy?.candidate.trials).toBeLessThan(45);
    expect(data.accuracy?.production.trials).toBe(data.accuracy?.candidate.trials);
  }, 120_000);

  it('converts each served variant at its own rate once a canary serves users', async () => {
    expect(cli(['set', '--canary-percent', '50', '--url', local.url]).code).toBe(0);
    await waitFor(
      async () =>
        (await predict(local.url, {}, { 'X-User-Id': 'user-001' })).headers.get('x-served-variant') ===
          'canary' ||
        (await predict(local.url, {}, { 'X-User-Id': 'user-002' })).headers.get('x-served-variant') ===
          'canary'
          ? true
          : undefined,
      'the canary to serve users',
      20_000,
    );
    const before = report(local.url);

    const run = demo([
      ...['--url', local.url, '--requests', '80', '--users', '20', '--seed', '6'],
      ...['--conversion', 'production=1,canary=0', '--labels', '0'],
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/canary: 0\/\d+ converted \(0\.0%\)/);
    const outcomesOf = (r: Report) =>
      (r.conversion?.production.trials ?? 0) + (r.conversion?.canary.trials ?? 0);
    const after = await waitFor(
      () => {
        const r = report(local.url);
        return outcomesOf(r) === outcomesOf(before) + 80 ? r : undefined;
      },
      'the 80 new conversions joined to their records',
      30_000,
    );
    const canaryTrials = (after.conversion?.canary.trials ?? 0) - (before.conversion?.canary.trials ?? 0);
    expect(canaryTrials).toBeGreaterThan(0);
    expect(after.conversion?.canary.successes).toBe(before.conversion?.canary.successes ?? 0);
    expect(
      (after.conversion?.production.successes ?? 0) - (before.conversion?.production.successes ?? 0),
    ).toBe(80 - canaryTrials);
  }, 120_000);

  it('refuses a candidate without records and an alarm that does not exist, listing what does', () => {
    expectOneLineMistake(
      cli(['report', '--candidate', 'nope', '--url', local.url]),
      'unknown candidate "nope" in experiment',
    );
    expectOneLineMistake(
      cli(['alarm', 'foo', '--url', local.url]),
      'unknown alarm "foo": local mode plays the alarms that roll a canary back: shadow-rollout-local-Canary-ErrorRate-Critical, shadow-rollout-local-Canary-LatencyP99-Critical, shadow-rollout-local-Canary-ConversionDrop-Critical',
    );
    const fired = cli(['alarm', 'ConversionDrop', '--url', local.url]);
    expect(fired.code).toBe(0);
    expect(fired.stdout).toContain('canary rolled back');
  });

  it.each([
    [['--conversion', 'production=2'], '--conversion "production=2": use production=R,canary=R'],
    [['--labels', '1.5'], '--labels must be a share from 0 to 1, got "1.5"'],
    [['--requests', '0'], '--requests must be a whole number of at least 1'],
    [['--bogus'], 'unknown option --bogus (npm run demo -- --help lists the options)'],
  ])('refuses %j in one line, exit 2', (args, message) => {
    expectOneLineMistake(demo(args), message);
  });
});
