import { userInfo } from 'node:os';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { argumentProblem } from '../lambda/core/errors';
import { InvalidRolloutPlanError } from '../lambda/core/rollout/plan';
import { InvalidConfigChangeError } from '../lambda/core/runtime-config';
import { fireLocalAlarm } from './commands/alarm';
import { change, overridesFromFlags, status } from './commands/config';
import { checkReportFlags, report } from './commands/report';
import { promote, rollout } from './commands/rollout';
import { CliError, DEFAULT_URL, resolveTarget } from './target';
import { oneLineError } from './user-errors';

const USAGE = `Usage: shadow-rollout <command> [--url URL | --stage NAME] [options]

Commands
  report                 evidence and verdict of the experiment in force since its start
                         (--json, --html FILE, --candidate NAME, --experiment ID, --since ISO-TIME;
                         --hours N: a trailing window, descriptive only, no verdict)
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

const OPTIONS = {
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
  plan: { type: 'string' },
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

type OptionName = keyof typeof OPTIONS;

/** Options each command reads, besides --help; any other is a mistake worth saying. */
const COMMAND_OPTIONS: Readonly<Record<string, readonly OptionName[]>> = {
  report: ['url', 'stage', 'json', 'html', 'hours', 'since', 'experiment', 'candidate'],
  status: ['url', 'stage', 'json'],
  set: ['url', 'stage', 'reason', 'sample-rate', 'canary-percent', 'shadow'],
  promote: ['url', 'stage', 'reason', 'force'],
  rollback: ['url', 'stage', 'reason'],
  rollout: ['url', 'stage', 'reason', 'plan', 'json'],
  alarm: ['url', 'reason'],
};

const COMMANDS = Object.keys(COMMAND_OPTIONS);

/**
 * `--hours -5` would otherwise be read as a flag named "-5": a negative number after an option
 * that takes a value is that option's value, so the value check can say what is wrong with it.
 */
export function attachNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const option = name === undefined ? undefined : OPTIONS[name as OptionName];
    if (option?.type === 'string' && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: attachNegativeValues(argv),
      allowPositionals: true,
      options: OPTIONS,
      tokens: true,
    });
  } catch (error) {
    // node:util's messages name the option and the fix; only the trace is dropped.
    throw new CliError(`${argumentProblem(error)} (shadow-rollout --help lists the options)`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals, tokens } = parse(argv);
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const allowed = COMMAND_OPTIONS[command];
  if (allowed === undefined)
    throw new CliError(
      `unknown command "${command}": use one of ${COMMANDS.join(', ')} (shadow-rollout --help)`,
    );
  for (const token of tokens) {
    if (token.kind === 'option' && token.name !== 'help' && !allowed.includes(token.name as OptionName))
      throw new CliError(`${token.rawName} does not apply to ${command}: it takes ${optionList(allowed)}`);
  }
  // alarm NAME, promote [ENDPOINT], rollout start|status|pause|resume|abort
  const expected = command === 'alarm' || command === 'promote' || command === 'rollout' ? 1 : 0;
  if (rest.length > expected)
    throw new CliError(`unexpected argument "${rest[expected]}" after ${command} (shadow-rollout --help)`);

  const by = `${userInfo().username} via CLI`;
  const reason = values.reason ?? `by ${by}`;
  switch (command) {
    case 'status':
      print(await status(await resolveTarget(values), values.json));
      return 0;
    case 'set': {
      // Checked before connecting: a wrong value is reported the same with or without a target.
      const overrides = overridesFromFlags(values);
      print(await change(await resolveTarget(values), { action: 'set', values: overrides }, reason, by));
      return 0;
    }
    case 'promote':
      print(await promote(() => resolveTarget(values), rest[0], values, by));
      return 0;
    case 'rollback':
      print(await change(await resolveTarget(values), { action: command }, reason, by));
      return 0;
    case 'rollout':
      print(await rollout(() => resolveTarget(values), rest[0], values, reason, by));
      return 0;
    case 'alarm':
      print(await fireLocalAlarm(values.url ?? DEFAULT_URL, rest[0], values.reason));
      return 0;
    default:
      checkReportFlags(values);
      print(await report(await resolveTarget(values), values, progressOnStderr()));
      return 0;
  }
}

function optionList(options: readonly OptionName[]): string {
  return options.map((o) => `--${o}`).join(', ');
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
    if (error instanceof InvalidRolloutPlanError) {
      // One line per problem, so a plan with five mistakes is fixed in one go.
      process.stderr.write(`Error: ${error.source}:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      process.exitCode = 2;
      return;
    }
    const known = oneLineError(error);
    if (known === undefined) {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
      return;
    }
    const prefix = error instanceof InvalidConfigChangeError ? 'Refused: ' : 'Error: ';
    process.stderr.write(`${prefix}${known.message}\n`);
    process.exitCode = known.exitCode;
  },
);
