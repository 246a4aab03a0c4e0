import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { InvalidConfigChangeError } from '../lambda/core/runtime-config';
import { StageConfigError } from '../lib/config/stages';
import { change, overridesFromFlags, status } from './commands/config';
import { report } from './commands/report';
import { CliError, DEFAULT_URL, resolveTarget } from './target';

const USAGE = `Usage: shadow-rollout <command> [--url URL | --stage NAME] [options]

Commands
  report                 evidence and verdict of the experiment in force since its start
                         (--json, --html FILE, --candidate NAME, --experiment ID, --since ISO-TIME;
                         --hours N: a trailing window, descriptive only, no verdict)
  status                 effective routing, where each value comes from, recent changes (--json)
  set                    change routing at runtime: --sample-rate 0..1, --canary-percent 0..100, --shadow on|off
  promote                the candidate becomes production (the canary ends)
  rollback               the canary ends; after a promotion, the previous production returns
  alarm NAME             local mode only: fire an alarm, as CloudWatch would (triggers the rollback Lambda)

Targets
  --url URL              a running local mode (default ${DEFAULT_URL})
  --stage NAME           a deployed stage (dev, staging, prod), with your AWS credentials

Options
  --reason TEXT          recorded with the change (default: "by <user> via CLI")
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      stage: { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      hours: { type: 'string' },
      since: { type: 'string' },
      experiment: { type: 'string' },
      candidate: { type: 'string' },
      reason: { type: 'string' },
      'sample-rate': { type: 'string' },
      'canary-percent': { type: 'string' },
      shadow: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const by = `${userInfo().username} via CLI`;
  const reason = values.reason ?? `by ${by}`;
  switch (command) {
    case 'status':
      print(await status(await resolveTarget(values), values.json));
      return 0;
    case 'set': {
      const overrides = overridesFromFlags(values);
      print(await change(await resolveTarget(values), { action: 'set', values: overrides }, reason, by));
      return 0;
    }
    case 'promote':
    case 'rollback':
      print(await change(await resolveTarget(values), { action: command }, reason, by));
      return 0;
    case 'alarm':
      print(await fireLocalAlarm(values.url ?? DEFAULT_URL, rest[0], values.reason));
      return 0;
    case 'report': {
      print(await report(await resolveTarget(values), values, progressOnStderr()));
      return 0;
    }
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

async function fireLocalAlarm(
  url: string,
  name: string | undefined,
  reason: string | undefined,
): Promise<string> {
  if (!name || !/^[A-Za-z0-9._-]{1,255}$/.test(name))
    throw new CliError('alarm needs a name, e.g. shadow-rollout alarm CanaryConversionDrop');
  const response = await fetch(new URL(`/local/alarms/${name}`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reason ? { reason } : {}),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => {
    throw new CliError(`cannot reach local mode at ${url} (${error.message})`);
  });
  const result = (await response.json()) as { rolledBack?: boolean; reason?: string };
  return result.rolledBack
    ? `Alarm ${name} fired: canary rolled back (${result.reason})`
    : `Alarm ${name} fired: nothing to roll back`;
}

/** Progress on one rewritten line of a terminal; in a pipe or log, a line every 10 s at most. */
function progressOnStderr(): (text: string) => void {
  let last = 0;
  let shown = false;
  process.on('exit', () => {
    if (shown && process.stderr.isTTY) process.stderr.write('\n');
  });
  return (text) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text.padEnd(60)}`);
      shown = true;
    } else if (Date.now() - last >= 10_000) {
      last = Date.now();
      process.stderr.write(`${text}\n`);
    }
  };
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known =
      error instanceof CliError ||
      error instanceof InvalidConfigChangeError ||
      error instanceof StageConfigError;
    const prefix = error instanceof InvalidConfigChangeError ? 'Refused: ' : 'Error: ';
    process.stderr.write(
      `${prefix}${known ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`,
    );
    process.exitCode = known ? 2 : 1;
  },
);
