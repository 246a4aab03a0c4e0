import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneLineError } from '../../cli/user-errors';
import { AnalysisQueryError } from '../../lambda/adapters/athena-analysis';
import { ConcurrentConfigChangeError } from '../../lambda/adapters/runtime-config-store';
import { expectOneLineMistake, runCommand } from '../support/spawned-command';

// Nothing answers on this port: a command that tried to connect would fail differently.
const NOWHERE = 'http://127.0.0.1:9';
const cli = (args: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
  runCommand(process.execPath, ['cli/bin.mjs', ...args], env);

describe('CLI: every user mistake is one line of cause and remedy, exit 2', () => {
  it.each([
    [
      ['set', '--canary-percent', '-1', '--url', NOWHERE],
      'Refused: canaryPercent must be a number from 0 to 100',
    ],
    [['set', '--sample-rate', '5', '--url', NOWHERE], 'Refused: sampleRate must be a number from 0 to 1'],
    [['set', '--url', NOWHERE], 'nothing to set'],
    [['report', '--hours', '-5', '--url', NOWHERE], '--hours must be a positive number of hours'],
    [['report', '--hours', 'soon', '--url', NOWHERE], '--hours must be a positive number of hours'],
    [['report', '--bogus'], 'unknown option --bogus (shadow-rollout --help lists the options)'],
    [['report', '--html', '/nonexistent/x.html', '--url', NOWHERE], 'the folder /nonexistent does not exist'],
    [
      ['report', '--candidate', 'not a name', '--url', NOWHERE],
      '--candidate must be a SageMaker endpoint name',
    ],
    [['report', '--stage', 'qa'], 'Unknown stage "qa"'],
    [['report', '--url', NOWHERE, '--stage', 'dev'], 'give --url or --stage, not both'],
    [['status', '--hours', '3', '--url', NOWHERE], '--hours does not apply to status'],
    [['launch'], 'unknown command "launch"'],
    [['status', 'now', '--url', NOWHERE], 'unexpected argument "now"'],
    [['promote', 'churn-v2', 'now', '--url', NOWHERE], 'unexpected argument "now"'],
    [['promote', '--force', '--url', NOWHERE], '--force needs --reason TEXT'],
    [['rollout', '--url', NOWHERE], 'rollout needs one of start, status, pause, resume, abort'],
    [
      ['rollout', 'fly', '--url', NOWHERE],
      'rollout needs one of start, status, pause, resume, abort, got "fly"',
    ],
    [
      ['rollout', 'start', '--plan', '/nonexistent/plan.json', '--url', NOWHERE],
      'cannot read plan file /nonexistent/plan.json (ENOENT)',
    ],
    [['rollout', 'start', '--force', '--url', NOWHERE], '--force does not apply to rollout'],
    [['rollout', 'status', '--url', NOWHERE], `cannot reach local mode at ${NOWHERE}`],
    [['status', '--url', NOWHERE], `cannot reach local mode at ${NOWHERE}`],
    [['alarm', '--url', NOWHERE], 'alarm needs a name'],
  ])('%j', (args, message) => {
    expectOneLineMistake(cli(args), message);
  });

  it('lists every problem of a plan file, one per line, exit 2, before connecting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadow-rollout-plan-'));
    try {
      const file = join(dir, 'plan.json');
      writeFileSync(file, JSON.stringify({ steps: [{ canaryPercent: 150, minDuration: '5 s' }], colour: 1 }));
      const result = cli(['rollout', 'start', '--plan', file, '--url', NOWHERE]);
      expect(result.code).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        `Error: plan file ${file}:`,
        '  - unknown field "colour" (expected steps, promote)',
        '  - steps[0].canaryPercent must be a number from 0 to 100',
        '  - steps[0].minDuration must be a duration such as "30s", "15m" or "4h", got "5 s"',
        '  - steps[0].maxDuration must be a duration such as "30s", "15m" or "4h", got undefined',
      ]);
      writeFileSync(file, '{"steps": [');
      expectOneLineMistake(
        cli(['rollout', 'start', '--plan', file, '--url', NOWHERE]),
        `plan file ${file} is not JSON`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('against a stage, before anything reaches AWS', () => {
    let home: string;
    beforeAll(() => {
      home = mkdtempSync(join(tmpdir(), 'shadow-rollout-cli-home-'));
    });
    afterAll(() => rmSync(home, { recursive: true, force: true }));

    // A user without AWS setup: no region, no profile, no keys (and nothing reachable anyway).
    const bareEnv = (): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL: NOWHERE,
      };
      return env;
    };

    it('names the missing region and how to set it', () => {
      expectOneLineMistake(
        cli(['report', '--stage', 'dev'], bareEnv()),
        /no AWS region for stage dev: set AWS_REGION/,
      );
    });

    it('names missing credentials and how to configure them', () => {
      expectOneLineMistake(
        cli(['report', '--stage', 'dev'], { ...bareEnv(), AWS_REGION: 'eu-west-1' }),
        /no AWS credentials found: configure a profile/,
      );
    });
  });

  it('treats a lost race to change the config as a user-facing retry, not a bug', () => {
    expect(
      oneLineError(new ConcurrentConfigChangeError('the config changed meanwhile; run the command again')),
    ).toEqual({
      message: 'the config changed meanwhile; run the command again',
      exitCode: 2,
    });
    expect(oneLineError(new TypeError('x is undefined'))).toBeUndefined();
  });

  it('turns an Athena query refused for the caller’s reasons into one line with a remedy; other failures stay bugs', () => {
    const cutoff = new AnalysisQueryError(
      'Athena query q-1 cancelled: Query cancelled! : Bytes scanned limit was exceeded',
      'q-1',
      'CANCELLED',
      2,
    );
    expect(oneLineError(cutoff)?.message).toMatch(
      /^Athena query q-1 cancelled: .*report on a shorter span \(--since\)/,
    );
    expect(oneLineError(cutoff)?.exitCode).toBe(2);
    const denied = new AnalysisQueryError(
      'Athena query q-2 failed: Access denied when writing output',
      'q-2',
      'FAILED',
      2,
    );
    expect(oneLineError(denied)?.message).toMatch(/may query its analysis workgroup/);
    const internal = new AnalysisQueryError('Athena query q-3 failed: internal error', 'q-3', 'FAILED', 1);
    expect(oneLineError(internal)).toBeUndefined();
  });
});
