import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLineMistake, runCommand, TSX } from '../support/spawned-command';

describe('npm start: a mistake on the command line is one line, exit 2, before anything starts', () => {
  const start = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
    runCommand(TSX, ['local/main.ts', '--lambda-log', 'stdout', ...args], {
      ...process.env,
      PORT: '',
      ...env,
    });

  it.each([
    [['--port', '99999'], '--port must be a whole number from 0 to 65535, got "99999"'],
    [['--port', '3000.5'], '--port must be a whole number from 0 to 65535'],
    [['--sample-rate', '5'], '--sample-rate must be a number from 0 to 1, got "5"'],
    [['--bogus'], 'unknown option --bogus (npm start -- --help lists the options)'],
    [['--shadow-dispatch', 'later'], '--shadow-dispatch must be one of'],
    [['--models', '/nonexistent/models.json'], 'cannot read models file /nonexistent/models.json'],
    [
      ['--analysis-memory-mb', '10'],
      '--analysis-memory-mb must be a whole number from 64 to 1048576, got "10"',
    ],
  ])('%j', (args, message) => {
    expectOneLineMistake(start(args), message);
  });

  it('names EVIDENCE_MEMORY_MB when a bad memory cap comes from the environment', () => {
    expectOneLineMistake(
      start([], { EVIDENCE_MEMORY_MB: 'lots' }),
      'EVIDENCE_MEMORY_MB must be a whole number in [64, 1048576], got "lots" (unset it, or start with --analysis-memory-mb MB)',
    );
  });

  it('names PORT when the bad port comes from the environment', () => {
    expectOneLineMistake(
      start([], { PORT: 'abc' }),
      'PORT must be a whole number from 0 to 65535, got "abc"',
    );
  });
});

describe('cdk synth: a missing or unknown stage is one line from the app, exit 2', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'shadow-rollout-synth-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  // How the CDK CLI runs the app: context as CDK_CONTEXT_JSON, output folder as CDK_OUTDIR.
  const synth = (context: Record<string, string>) =>
    runCommand(TSX, ['bin/app.ts'], {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_OUTDIR: outdir,
    });

  it('refuses an unknown stage, listing the stages', () => {
    expectOneLineMistake(synth({ stage: 'qa' }), 'Unknown stage "qa": expected one of dev, staging, prod');
  });

  it('refuses a missing stage, saying how to pass one', () => {
    expectOneLineMistake(synth({}), 'Missing stage: pass -c stage=<dev|staging|prod>');
  });

  it('refuses a bad endpoint override', () => {
    expectOneLineMistake(synth({ stage: 'dev', productionEndpoint: ' ' }), 'productionEndpoint must be');
  });
});
