import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { InvalidRolloutPlanError } from '../lambda/core/rollout/plan';
import { InvalidConfigChangeError } from '../lambda/core/runtime-config';
import { StageConfigError } from '../lib/config/stages';
import { change, overridesFromFlags, status } from './commands/config';
import { report } from './commands/report';
import { promote, rollout } from './commands/rollout';
import { CliError, DEFAULT_URL, resolveTarget } from './target';

const USAGE = `Usage: shadow-rollout <command> [--url URL | --stage NAME] [options]

Commands
  report                 evidence and verdict (--json, --html FILE, --hours N, --candidate NAME)
  status                 effective routing, where each value comes from, recent changes (--json)
  set                    change routing at runtime: --sample-rate 0..1, --canary-percent 0..100, --shadow on|off
  promote [ENDPOINT]     the candidate becomes production, only on a PROMOTE verdict (--force --reason TEXT
                         overrides, recorded); a no-op when it already is; the old production stays for rollback
  rollback               the canary ends (and an active rollout); after a promotion, the previous production returns
  rollout start          walk the stage's default plan, or --plan FILE (JSON), step by step on the verdict
  rollout status         state, step, canary share, sample rate, the current verdict, the transitions (--json)
  rollout pause|resume|abort   hold the walk, continue it, or end it back in shadow (--reason TEXT)
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
      candidate: { type: 'string' },
      reason: { type: 'string' },
      'sample-rate': { type: 'string' },
      'canary-percent': { type: 'string' },
      shadow: { type: 'string' },
      plan: { type: 'string' },
      force: { type: 'boolean', default: false },
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
      print(await promote(await resolveTarget(values), rest[0], values, by));
      return 0;
    case 'rollback':
      print(await change(await resolveTarget(values), { action: command }, reason, by));
      return 0;
    case 'rollout':
      print(await rollout(await resolveTarget(values), rest[0], values, reason, by));
      return 0;
    case 'alarm':
      print(await fireLocalAlarm(values.url ?? DEFAULT_URL, rest[0], values.reason));
      return 0;
    case 'report': {
      print(await report(await resolveTarget(values), values));
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

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof InvalidRolloutPlanError) {
      // One line per problem, so a plan with five mistakes is fixed in one go.
      process.stderr.write(`Error: ${error.source}:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exitCode = 2;
      return;
    }
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
