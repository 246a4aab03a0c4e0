/**
 * `npm run bench:local`: local mode end to end on this machine. Sends realistic churn traffic
 * with 100% shadow sampling through the local API, then waits until the worker has stored
 * every comparison, and reports requests/s, comparisons/s and what was lost (must be zero).
 *
 *   npm run bench:local -- --requests 2000 --concurrency 16
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { captureLambdaOutput } from '../local/lambda-output';
import { LOCAL_CREDENTIALS } from '../local/local-aws';
import { LOCAL_REGION, startLocal } from '../local/start-local';
import { type LoadOptions, type LoadResult, sendLoad } from './local-load';
import { percentile } from './stats';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    // `thread` (default): the callers run in a thread of their own, as a separate client would;
    // `inline`: on local mode's own event loop, as this benchmark did until session 4.
    client: { type: 'string', default: 'thread' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
if (values.client !== 'thread' && values.client !== 'inline')
  throw new Error('--client must be thread or inline');

const output = captureLambdaOutput();
output.open(join(tmpdir(), 'shadow-rollout-bench-local.log'));
const print = output.terminal.print;

async function main(): Promise<void> {
  const system = await startLocal({
    port: 0,
    sampleRate: 1,
    maxBatchingWindowMs: 100,
    receiveWaitSeconds: 1,
  });
  const dynamo = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: system.endpoints.dynamodb,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    print(
      `local mode at ${system.url}: ${REQUESTS} requests, concurrency ${CONCURRENCY}, 100% shadow sampling, callers ${values.client === 'inline' ? "on local mode's event loop" : 'in a thread of their own'}`,
    );
    const load: LoadOptions = { url: system.url, requests: REQUESTS, concurrency: CONCURRENCY };
    const loadBefore = loadavg()[0] ?? 0;
    const cpuBefore = process.cpuUsage();
    const threadsBefore = await system.threadCpuMs();
    const result = values.client === 'inline' ? await sendLoad(load) : await sendLoadFromThread(load);
    const cpuServing = process.cpuUsage(cpuBefore);
    const threadsServing = await system.threadCpuMs();
    const served = result.servedSeconds;
    const latencies = result.latencies;
    const statuses = new Map(Object.entries(result.statuses).map(([status, n]) => [Number(status), n]));
    const sampledIds = new Set(result.sampledIds);

    // Drained: nothing left in the shadow queue, then count what the worker stored.
    const deadline = Date.now() + 180_000;
    while (system.queueDepth(system.queue.name) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const drained = (performance.timeOrigin + performance.now() - result.startedAt) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const threadsDrained = await system.threadCpuMs();
    const storedIds = await storedRequestIds(dynamo, system.tableName);
    const stored = storedIds.size;
    const deadLettered = system.queueDepth(system.deadLetterQueue.name);
    const dispatched = sampledIds.size;
    // Lost: dispatched within the budget, yet neither stored nor in the DLQ.
    const missing = [...sampledIds].filter((id) => !storedIds.has(id)).length;
    const lost = Math.max(0, missing - deadLettered);
    latencies.sort((a, b) => a - b);

    print('');
    print(
      '| requests | concurrency | answered 200 | requests/s | caller p50 | caller p99 | dispatched in budget | comparisons stored | comparisons/s (to drain) | dead-lettered | lost |',
    );
    print('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    print(
      `| ${REQUESTS} | ${CONCURRENCY} | ${statuses.get(200) ?? 0} | ${(REQUESTS / served).toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} ms | ${percentile(latencies, 99).toFixed(1)} ms | ${dispatched} | ${stored} | ${(stored / drained).toFixed(0)} | ${deadLettered} | ${lost} |`,
    );
    print('');
    print(
      `Served in ${served.toFixed(1)} s; every comparison stored ${drained.toFixed(1)} s after the first request.`,
    );
    // CPU time is what a busy shared machine disturbs least: the API thread's share per request
    // bounds requests/s on a free core; the whole process's bounds the full path on all cores.
    const perRequest = (ms: number | undefined) => (ms === undefined ? '?' : (ms / REQUESTS).toFixed(2));
    const spent = (after: number | undefined, before: number | undefined) =>
      after === undefined || before === undefined ? undefined : after - before;
    const callers = values.client === 'thread' ? result.callerCpuMs : undefined;
    const breakdown = (
      total: number,
      after: { api: number | undefined; shadow: number | undefined },
      callerMs: number | undefined,
    ) => {
      const api = spent(after.api, threadsBefore.api);
      const shadow = spent(after.shadow, threadsBefore.shadow);
      const other =
        api === undefined || shadow === undefined ? undefined : total - api - shadow - (callerMs ?? 0);
      return `all threads ${perRequest(total)} (API thread${values.client === 'inline' ? ' with the callers' : ''} ${perRequest(api)}, shadow thread ${perRequest(shadow)}${callerMs === undefined ? '' : `, callers' thread ${perRequest(callerMs)}`}, other threads ${perRequest(other)})`;
    };
    print(
      `CPU ms per request while serving: ${breakdown((cpuServing.user + cpuServing.system) / 1000, threadsServing, callers)}.`,
    );
    print(
      `CPU ms per request until every comparison was stored: ${breakdown((cpu.user + cpu.system) / 1000, threadsDrained, callers)}.`,
    );
    print(
      `Load average (1 min) ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after, on ${cpus().length} cores.`,
    );
    print(
      `Not confirmed within the dispatch budget (X-Shadow: skipped, may still land): ${REQUESTS - dispatched}.`,
    );
  } finally {
    dynamo.destroy();
    await system.stop();
    await output.restore();
  }
}

/** Runs the callers in a worker thread (through local mode's TypeScript thread entry). */
function sendLoadFromThread(load: LoadOptions): Promise<LoadResult> {
  const worker = new Worker(join(__dirname, '../local/threads/thread-entry.mjs'), {
    workerData: { host: join(__dirname, 'local-load.ts'), load },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load thread exited (${code}) without a result`)));
  });
}

async function storedRequestIds(dynamo: DynamoDBClient, tableName: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ TableName: tableName, ProjectionExpression: 'requestId', ExclusiveStartKey }),
    );
    for (const item of page.Items ?? []) if (item.requestId?.S) ids.add(item.requestId.S);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return ids;
}

main().catch(async (error: unknown) => {
  await output.restore();
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = 1;
});
