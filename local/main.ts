import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isShadowDispatch, SHADOW_DISPATCH_MODES } from '../lambda/core/shadow-dispatch';
import type { RequestLogEntry } from './api-server/server';
import type { BatchOutcome } from './event-source-poller/poller';
import { redirectLambdaOutput, type Terminal } from './lambda-output';
import { ModelsFileError } from './model-server/models-file';
import { PortInUseError, startLocal } from './start-local';

const USAGE = `Usage: npm start -- [options]

  --port N                 API port (default: $PORT or 3000; 0 picks a free port)
  --host ADDRESS           address to listen on (default 127.0.0.1)
  --models FILE            models file (default: $MODELS_FILE or local/models.json)
  --data-dir DIR           keep DynamoDB data in DIR between runs (default: in memory)
  --sample-rate R          share of requests replayed in shadow, 0..1 (default 1)
  --shadow-dispatch MODE   after-response (answer, then send the sample) or before-response
                           (send, then answer) (default: the dev stage's, after-response)
  --lambda-log FILE        where handler logs and EMF metrics go, or "stdout"
                           (default: ${join(tmpdir(), 'shadow-rollout-local', 'lambda.log')})
  --visibility-timeout S   shadow queue visibility timeout in seconds (default: as the stack)
  --batch-window S         worker batching window in seconds (default: dev stage)
  --rollout-tick S         seconds between rollout controller ticks (default 1; AWS: 60)
  --fail-first-delivery    fault injection: fail every message's first delivery after the
                           worker ran, to watch redelivery stay idempotent
  -h, --help               this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      models: { type: 'string' },
      'data-dir': { type: 'string' },
      'sample-rate': { type: 'string' },
      'shadow-dispatch': { type: 'string' },
      'lambda-log': { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'batch-window': { type: 'string' },
      'fail-first-delivery': { type: 'boolean' },
      'rollout-tick': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = numberOption('--port', values.port ?? process.env.PORT, 3000);
  const output = redirectLambdaOutput(
    values['lambda-log'] ?? join(tmpdir(), 'shadow-rollout-local', 'lambda.log'),
  );
  const { terminal } = output;
  const batchWindow = values['batch-window'];
  const visibility = values['visibility-timeout'];
  const sampleRate = values['sample-rate'];
  const shadowDispatch = values['shadow-dispatch'];
  if (shadowDispatch !== undefined && !isShadowDispatch(shadowDispatch)) {
    console.error(`--shadow-dispatch must be one of ${SHADOW_DISPATCH_MODES.join(', ')}`);
    process.exit(2);
  }

  let system: Awaited<ReturnType<typeof startLocal>>;
  try {
    system = await startLocal({
      port,
      ...(values.host ? { host: values.host } : {}),
      ...modelsFileOption(values.models ?? process.env.MODELS_FILE),
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      ...(sampleRate === undefined ? {} : { sampleRate: numberOption('--sample-rate', sampleRate, 1) }),
      ...(shadowDispatch === undefined ? {} : { shadowDispatch }),
      ...(visibility === undefined
        ? {}
        : { visibilityTimeoutSeconds: numberOption('--visibility-timeout', visibility, 0) }),
      ...(batchWindow === undefined
        ? {}
        : { maxBatchingWindowMs: numberOption('--batch-window', batchWindow, 0) * 1000 }),
      failFirstDelivery: values['fail-first-delivery'] ?? false,
      ...(values['rollout-tick'] === undefined
        ? {}
        : { rolloutTickMs: Math.max(0.1, numberOption('--rollout-tick', values['rollout-tick'], 1)) * 1000 }),
      onRolloutNotification: (n) =>
        terminal.print(`${time()} ROLLOUT ${n.subject}: ${n.message.replaceAll('\n', ' | ')}`),
      onRolloutError: (what, error) =>
        terminal.print(`${time()} rollout controller: ${what} failed: ${(error as Error).message}`),
      onRequest: (entry) => terminal.print(requestLine(entry)),
      onBatch: (outcome) => terminal.print(batchLine(outcome)),
      onPollError: (error) => terminal.print(`${time()} worker poll failed: ${(error as Error).message}`),
    });
  } catch (error) {
    await output.restore();
    if (error instanceof PortInUseError || error instanceof ModelsFileError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  printBanner(terminal, system, output.destination);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      terminal.print('forced exit');
      process.exit(1);
    }
    stopping = true;
    terminal.print(`${signal}: stopping…`);
    await system.stop();
    await output.restore();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

function printBanner(terminal: Terminal, system: Awaited<ReturnType<typeof startLocal>>, logs: string): void {
  const { models, endpoints } = system;
  // The SDK uses the queue URL's host; other tools (aws --endpoint-url) want a plain address.
  const sqs = `http://127.0.0.1:${new URL(endpoints.sqs).port}`;
  terminal.print(`shadow-rollout local mode ready on ${system.url}`);
  terminal.print(`  production ${models.production}, candidates ${models.candidates.join(', ') || '(none)'}`);
  terminal.print(
    `  emulators: dynamodb ${endpoints.dynamodb} (table ${system.tableName}), sqs ${sqs} (queue ${system.queue.name}), sagemaker ${endpoints.sageMakerRuntime}`,
  );
  terminal.print(`  handler logs and EMF metrics: ${logs}`);
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

function numberOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got "${raw}"\n\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
