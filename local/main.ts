import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evidenceMemoryMb } from '../lambda/configuration/function-settings';
import { argumentProblem, USER_ERROR_EXIT_CODE, UserError } from '../lambda/core/errors';
import { isShadowDispatch, SHADOW_DISPATCH_MODES } from '../lambda/core/shadow-dispatch';
import type { RequestLogEntry } from './api-server/server';
import type { BatchOutcome } from './event-source-poller/poller';
import { captureLambdaOutput, type Terminal } from './lambda-output';
import { type LocalSystem, type StopReport, startLocal } from './start-local';

/** Without a data dir, how long a stop keeps the worker on the in-memory queue. */
const DEFAULT_DRAIN_SECONDS = 30;
/**
 * Under `npm start` one Ctrl-C reaches node twice: from the terminal (the whole foreground
 * process group) and forwarded by npm. A signal this soon after the first is the same Ctrl-C.
 */
const SAME_SIGNAL_WINDOW_MS = 2000;

const USAGE = `Usage: npm start -- [options]

  --port N                 API port (default: $PORT or 3000; 0 picks a free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --models FILE            models file (default: $MODELS_FILE or local/models.json)
  --data-dir DIR           keep comparisons, runtime config and the shadow queue in DIR between
                           runs, even across a kill -9; samples are then sent before answering
                           (default: in memory; a stop drains the queue for --drain-timeout)
  --sample-rate R          share of requests replayed in shadow, 0..1 (default 1)
  --shadow-dispatch MODE   after-response (answer, then send the sample) or before-response
                           (send, then answer) (default: the dev stage's, after-response)
  --lambda-log FILE        append handler logs and EMF metrics to FILE, or "stdout" (default:
                           ${join(tmpdir(), 'shadow-rollout-local', 'lambda-<port>.log')}, one per instance)
  --drain-timeout S        on Ctrl-C without --data-dir, how long the worker may work the
                           queue down before what is left is dropped (default ${DEFAULT_DRAIN_SECONDS})
  --visibility-timeout S   shadow queue visibility timeout in seconds (default: as the stack)
  --batch-window S         worker batching window in seconds (default: dev stage)
  --rollout-tick S         seconds between rollout controller ticks (default 1; AWS: 60)
  --analysis-memory-mb MB  memory cap of the evidence analysis (DuckDB) behind reports and the
                           rollout controller (default ${evidenceMemoryMb.default}); past it DuckDB spills to disk
  --fail-first-delivery    fault injection: fail every message's first delivery after the
                           worker ran, to watch redelivery stay idempotent
  -h, --help               this text`;

/** Reads the command line, refusing any mistake with one line that says what to change. */
function readOptions(argv: readonly string[]) {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UserError(`${argumentProblem(error)} (npm start -- --help lists the options)`);
  }
  const { values } = parsed;
  const shadowDispatch = values['shadow-dispatch'];
  if (shadowDispatch !== undefined && !isShadowDispatch(shadowDispatch))
    throw new UserError(
      `--shadow-dispatch must be one of ${SHADOW_DISPATCH_MODES.join(', ')}, got "${shadowDispatch}"`,
    );
  const portFrom = values.port === undefined && process.env.PORT ? 'PORT' : '--port';
  const sampleRate = values['sample-rate'];
  const visibility = values['visibility-timeout'];
  const batchWindow = values['batch-window'];
  return {
    values,
    port: numberOption(portFrom, values.port ?? process.env.PORT, 3000, { max: 65_535, integer: true }),
    drainSeconds: numberOption('--drain-timeout', values['drain-timeout'], DEFAULT_DRAIN_SECONDS, {
      max: 3600,
    }),
    options: {
      ...(values.host ? { host: values.host } : {}),
      ...modelsFileOption(values.models ?? process.env.MODELS_FILE),
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      ...(sampleRate === undefined
        ? {}
        : { sampleRate: numberOption('--sample-rate', sampleRate, 1, { max: 1 }) }),
      ...(shadowDispatch === undefined ? {} : { shadowDispatch }),
      ...(visibility === undefined
        ? {}
        : {
            visibilityTimeoutSeconds: numberOption('--visibility-timeout', visibility, 0, {
              max: 43_200,
              integer: true,
            }),
          }),
      ...(batchWindow === undefined
        ? {}
        : { maxBatchingWindowMs: numberOption('--batch-window', batchWindow, 0, { max: 300 }) * 1000 }),
      failFirstDelivery: values['fail-first-delivery'] ?? false,
      ...(values['analysis-memory-mb'] === undefined
        ? {}
        : {
            analysisMemoryMb: numberOption(
              '--analysis-memory-mb',
              values['analysis-memory-mb'],
              evidenceMemoryMb.default,
              {
                min: evidenceMemoryMb.min,
                max: evidenceMemoryMb.max,
                integer: true,
              },
            ),
          }),
      ...(values['rollout-tick'] === undefined
        ? {}
        : {
            // A tick of 0 would spin: at least 0.1 s.
            rolloutTickMs:
              Math.max(0.1, numberOption('--rollout-tick', values['rollout-tick'], 1, { max: 3600 })) * 1000,
          }),
    },
  };
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      models: { type: 'string' },
      'data-dir': { type: 'string' },
      'sample-rate': { type: 'string' },
      'shadow-dispatch': { type: 'string' },
      'lambda-log': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'batch-window': { type: 'string' },
      'fail-first-delivery': { type: 'boolean' },
      'rollout-tick': { type: 'string' },
      'analysis-memory-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function main(): Promise<void> {
  const { values, port, drainSeconds, options } = readOptions(process.argv.slice(2));
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // Held in memory until the instance is up: one that fails to start touches no log file.
  const output = captureLambdaOutput();
  const { terminal } = output;

  let system: Awaited<ReturnType<typeof startLocal>>;
  try {
    system = await startLocal({
      port,
      ...options,
      onRolloutNotification: (n) =>
        terminal.print(`${time()} ROLLOUT ${n.subject}: ${n.message.replaceAll('\n', ' | ')}`),
      onRolloutError: (what, error) =>
        terminal.print(`${time()} rollout controller: ${what} failed: ${(error as Error).message}`),
      onRequest: (entry) => terminal.print(requestLine(entry)),
      onBatch: (outcome) => terminal.print(batchLine(outcome)),
      onPollError: (error) => terminal.print(`${time()} worker poll failed: ${(error as Error).message}`),
      onServiceCrash: (service, error) =>
        terminal.print(
          `${time()} the ${service} thread stopped: ${error.message}; comparisons stop until a restart (Ctrl-C, npm start)`,
        ),
    });
  } catch (error) {
    // A taken port, a locked data dir, a bad models file: main's catch prints them in one line.
    await output.restore();
    throw error;
  }

  const lambdaLog = values['lambda-log'];
  if (lambdaLog === undefined) {
    output.open(join(tmpdir(), 'shadow-rollout-local', `lambda-${system.port}.log`));
  } else {
    output.open(lambdaLog, { append: true });
  }
  printBanner(terminal, system, output.destination ?? 'stdout', values['data-dir']);

  let stopping: { readonly at: number } | undefined;
  const shutdown = async (signal: string) => {
    if (stopping) {
      if (Date.now() - stopping.at < SAME_SIGNAL_WINDOW_MS) return;
      terminal.print(
        `forced exit: ${system.queueDepth(system.queue.name)} sample(s) still queued${values['data-dir'] ? ` stay in ${values['data-dir']}` : ' are dropped'}`,
      );
      process.exit(130);
    }
    stopping = { at: Date.now() };
    terminal.print(`${signal}: stopping (Ctrl-C again to stop at once)…`);
    const report = await system.stop({
      drainQueueMs: values['data-dir'] ? 0 : drainSeconds * 1000,
      onDrainProgress: (queued) => terminal.print(`  waiting for the worker: ${queued} sample(s) queued`),
    });
    terminal.print(stopLine(report));
    await output.restore();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** One line on what the stop finished, and where anything left is (or that it is gone). */
function stopLine(report: StopReport): string {
  const done = [
    `answered ${report.requestsInFlight} request(s) in flight`,
    `sent ${report.deferredSends} pending shadow sample(s)`,
    `worker finished ${report.processed} of ${report.queued} queued sample(s)`,
  ].join(', ');
  const kept = report.left + report.deadLettered;
  let rest: string;
  if (kept === 0) rest = 'nothing left behind';
  else if (report.keptIn) {
    rest = `${report.left} queued and ${report.deadLettered} dead-lettered sample(s) kept in ${report.keptIn} for the next start`;
  } else {
    rest = `dropped ${report.left} queued and ${report.deadLettered} dead-lettered sample(s) (the queue is in memory; --data-dir keeps it)`;
  }
  return `stopped: ${done}; ${rest}`;
}

function printBanner(
  terminal: Terminal,
  system: LocalSystem,
  logs: string,
  dataDir: string | undefined,
): void {
  const { models, endpoints } = system;
  // The SDK uses the queue URL's host; other tools (aws --endpoint-url) want a plain address.
  const sqs = `http://127.0.0.1:${new URL(endpoints.sqs).port}`;
  terminal.print(`shadow-rollout local mode ready on ${system.url}`);
  terminal.print(`  production ${models.production}, candidates ${models.candidates.join(', ') || '(none)'}`);
  terminal.print(
    `  emulators: dynamodb ${endpoints.dynamodb} (table ${system.tableName}), sqs ${sqs} (queue ${system.queue.name}), sagemaker ${endpoints.sageMakerRuntime}`,
  );
  terminal.print(`  handler logs and EMF metrics: ${logs}`);
  terminal.print(
    `  shadow samples sent ${system.shadowDispatch === 'before-response' ? 'before' : 'after'} answering`,
  );
  if (dataDir) {
    const replayed = Object.values(system.replayed).reduce((sum, n) => sum + n, 0);
    terminal.print(
      `  data dir ${dataDir}: comparisons and the shadow queue kept between runs${replayed > 0 ? `; ${replayed} queued sample(s) from the last run replayed` : ''}${system.recoveredStaleLock ? ' (took over the lock of a process that had died)' : ''}`,
    );
  } else {
    terminal.print(
      '  in memory: a stop drains the shadow queue (--drain-timeout), a kill loses it; --data-dir keeps it',
    );
  }
  terminal.print('');
  terminal.print('Try:');
  terminal.print(
    `  curl -i -XPOST ${system.url}/predict -H 'content-type: application/json' -d '{"tenure_months": 4, "monthly_charges": 89.5, "support_calls": 3}'`,
  );
  terminal.print(`  curl ${system.url}/comparisons/<X-Request-Id from the answer>`);
  terminal.print('');
}

function requestLine(entry: RequestLogEntry): string {
  const h = entry.headers;
  const details = [
    h['x-request-id'] ? `id=${h['x-request-id']}` : '',
    h['x-served-variant'] ? `served=${h['x-served-variant']}` : '',
    h['x-shadow'] ? `shadow=${h['x-shadow']}` : '',
    entry.integrationError ? `error=${entry.integrationError}` : '',
  ].filter(Boolean);
  return `${time()} ${entry.method} ${entry.path} → ${entry.status} (${entry.durationMs} ms) ${details.join(' ')}`.trimEnd();
}

function batchLine(outcome: BatchOutcome): string {
  const total = outcome.messageIds.length;
  const failed = outcome.failedIds.length;
  const injected = outcome.injectedFailureIds.length;
  const parts = [`${total - failed} ok`];
  if (failed > injected) parts.push(`${failed - injected} failed`);
  if (injected > 0) parts.push(`${injected} failed by --fail-first-delivery`);
  const error = outcome.batchError ? ` (${outcome.batchError})` : '';
  return `${time()} worker ← ${total} message(s): ${parts.join(', ')}${error} (${outcome.durationMs} ms)`;
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

function modelsFileOption(file: string | undefined): { modelsFile?: string } {
  return file ? { modelsFile: file } : {};
}

function numberOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  limits: { readonly min?: number; readonly max: number; readonly integer?: boolean },
): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const kind = limits.integer ? 'a whole number' : 'a number';
  const min = limits.min ?? 0;
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > limits.max ||
    (limits.integer && !Number.isInteger(value))
  )
    throw new UserError(`${name} must be ${kind} from ${min} to ${limits.max}, got "${raw}"`);
  return value;
}

main().catch((error: unknown) => {
  if (error instanceof UserError) {
    console.error(`Error: ${error.message}`);
    process.exit(USER_ERROR_EXIT_CODE);
  }
  console.error(error);
  process.exit(1);
});
