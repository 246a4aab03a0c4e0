import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDbClient } from '../lambda/adapters/clients';
import { afterResponse } from '../lambda/after-response/registry';
import {
  allowedEndpoints,
  deployTimeRouting,
  evidenceMemoryMb,
} from '../lambda/configuration/function-settings';
import { InvalidEnvironmentError, readSetting } from '../lambda/configuration/setting';
import { UserError } from '../lambda/core/errors';
import type { ShadowDispatch } from '../lambda/core/shadow-dispatch';
import type { RolloutNotification } from '../lambda/use-cases/rollout/ports';
import type { StageConfig } from '../lib/config/stage-config';
import { routerTimeoutSeconds, shadowVisibilityTimeoutSeconds, stages } from '../lib/config/stages';
import { adminRoutes, adminTargets } from './admin-routes';
import { routes } from './api-server/routes';
import {
  type ProxyHandler,
  type RequestLogEntry,
  type RouteTarget,
  startApiServer,
} from './api-server/server';
import { type DataDirLock, lockDataDir } from './data-dir-lock';
import { comparisonTable, runtimeConfigTable } from './emulators/dynamodb';
import { type LocalQueue, startSqs } from './emulators/sqs';
import type { BatchOutcome, SqsBatchHandler } from './event-source-poller/poller';
import type { LocalFunction } from './lambda-runtime';
import { CONFLICTING_AWS_VARIABLES, localEnvironment } from './local-env';
import { loadModelsFile, type ModelsFile } from './model-server/models-file';
import { startModelServer } from './model-server/server';
import { localRollout } from './rollout/local-rollout';
import { rolloutRoutes, rolloutTargets } from './rollout/routes';
import { deserializeError } from './threads/protocol';
import { startServiceThread } from './threads/service-thread';
import { threadCpuMs } from './threads/thread-cpu';

export const DEFAULT_MODELS_FILE = join(__dirname, 'models.json');
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_TABLE_NAME = 'shadow-rollout-local-comparisons';
export const LOCAL_RUNTIME_CONFIG_TABLE_NAME = 'shadow-rollout-local-runtime-config';
/** Local mode's controller ticks every second, so plans with steps of seconds run in a demo. */
export const DEFAULT_ROLLOUT_TICK_MS = 1000;
const QUEUE_NAME = 'shadow-rollout-local-shadow';
/** In the data dir, beside DynamoDB's files: the shadow queue and its DLQ, as a journal. */
export const QUEUE_JOURNAL_FILE = 'shadow-queue.journal';
const FUNCTION_PREFIX = 'shadow-rollout-local';
/**
 * Locally every function, the emulators and the model server share one event loop, so a send
 * to SQS that takes a few ms on AWS can take tens of ms here under load; the stage's budget
 * (50 ms in dev) would skip shadow samples that AWS would have sent.
 */
const LOCAL_MIN_DISPATCH_BUDGET_MS = 250;
/**
 * For the same reason, the router's budget for the production model: a 25 ms model answered
 * 504 when the machine was busy (the model server waits its turn on the same event loop as
 * everything else). A slow model still times out, after this long. The worker's budget for the
 * candidate stays the stage's: a candidate timeout is recorded, never a caller's error.
 */
const LOCAL_MIN_MODEL_TIMEOUT_MS = 10_000;

/**
 * Latency guardrails for one machine. The router, the worker, the emulators and the model server
 * share one event loop here, so a call's measured latency is mostly the wait for that loop: the
 * worker times the candidate inside batches while the router times production between requests,
 * and on a busy laptop the candidate's p99 sat near the dev stage's 300 ms with a 20 ms model.
 * Local mode judges latency against limits that the loop's wait cannot reach but a really slow
 * candidate (local/models.slow-candidate.json: 5 s) still does. Every other guardrail is the dev stage's.
 */
const LOCAL_LATENCY_GUARDRAILS = { maxP99LatencyMs: 2_000, maxLatencyIncreaseMs: 1_000 } as const;

/**
 * Accuracy non-inferiority margin of the demo: `npm run demo` labels about 500 answers, enough to
 * decide a 5-point margin, while the dev stage's 1 point needs about 9,000 labelled pairs at these
 * models' accuracy (the report says how many more it needs). A real stage keeps its own margin.
 */
const LOCAL_ACCURACY_MARGIN = { maxAccuracyDrop: 0.05 } as const;
/**
 * Router invocations running at once; more callers wait their turn at the gateway. On AWS each
 * concurrent request has its own Lambda environment; here all share one event loop with the
 * emulators, the model server and the worker, and 200 at once pushed model calls past their
 * timeout (504) although the models were fast. Measured in BENCHMARKS.md.
 */
const LOCAL_ROUTER_CONCURRENCY = 16;

export interface StartLocalOptions {
  /** API port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default local/models.json */
  readonly modelsFile?: string;
  /**
   * Keep the comparisons, the runtime config and the shadow queue (a journal) in this folder
   * between runs, locked to this process. With it, samples are sent before answering unless
   * `shadowDispatch` says otherwise: a sample answered as sampled is then on disk, even if the
   * process is killed right after. @default in memory
   */
  readonly dataDir?: string;
  /** @default 1 (every request is replayed in shadow) */
  readonly sampleRate?: number;
  /** @default 6 × the worker timeout + the batching window, as in the stack */
  readonly visibilityTimeoutSeconds?: number;
  /** @default the dev stage's maxBatchingWindowSeconds */
  readonly maxBatchingWindowMs?: number;
  /** Long-poll wait of the event source poller. @default 20 */
  readonly receiveWaitSeconds?: number;
  /**
   * Send shadow samples before or after answering. Local mode never freezes, so after-response
   * needs no extension here: the process itself keeps deferred sends running.
   * @default before-response with a data dir, else the dev stage's router.shadowDispatch
   */
  readonly shadowDispatch?: ShadowDispatch;
  /** Fault injection: fail each message's first delivery after the worker ran. @default false */
  readonly failFirstDelivery?: boolean;
  /** Time between rollout controller ticks (AWS: one minute). @default 1000 */
  readonly rolloutTickMs?: number;
  /** Memory cap (MB) of the evidence analysis (DuckDB): reports and the rollout controller. @default 256 */
  readonly analysisMemoryMb?: number;
  /** What the rollout controller notifies (AWS: the alarm topic). */
  readonly onRolloutNotification?: (notification: RolloutNotification) => void;
  readonly onRolloutError?: (what: string, error: unknown) => void;
  readonly onRequest?: (entry: RequestLogEntry) => void;
  readonly onBatch?: (outcome: BatchOutcome) => void;
  readonly onPollError?: (error: unknown) => void;
  /** The shadow thread (dynalite, the worker's model server, the worker) died while running. */
  readonly onServiceCrash?: (service: string, error: Error) => void;
}

export interface LocalSystem {
  readonly url: string;
  readonly port: number;
  readonly models: ModelsFile;
  readonly tableName: string;
  readonly runtimeConfigTableName: string;
  readonly queue: LocalQueue;
  readonly deadLetterQueue: LocalQueue;
  readonly endpoints: { readonly sageMakerRuntime: string; readonly sqs: string; readonly dynamodb: string };
  /** Folder of the evidence log: `<data dir>/evidence`, or a temp folder removed at stop. */
  readonly evidenceLogDir: string;
  /** When the router sends shadow samples, relative to answering. */
  readonly shadowDispatch: ShadowDispatch;
  /** With a data dir: messages found in its journal and queued again, per queue name. */
  readonly replayed: Readonly<Record<string, number>>;
  /** With a data dir: whether a lock left by a dead process was taken over. */
  readonly recoveredStaleLock: boolean;
  /** Messages not yet deleted from a queue (visible, in flight or delayed). */
  queueDepth(queueName: string): number;
  /** CPU time each of local mode's event loops has used so far, ms (benchmarks; Linux only). */
  threadCpuMs(): Promise<{ readonly api: number | undefined; readonly shadow: number | undefined }>;
  /**
   * Stops taking requests, answers those in flight, lets deferred shadow sends settle, then
   * (for at most `drainQueueMs`) lets the worker work the shadow queue down, and stops.
   */
  stop(options?: StopOptions): Promise<StopReport>;
}

export interface StopOptions {
  /** How long to keep the worker running on what is still queued. @default 0 */
  readonly drainQueueMs?: number;
  /** Called about once a second while the queue drains, with the samples still queued. */
  readonly onDrainProgress?: (queued: number) => void;
}

/** What a stop finished and what it left, for the person who pressed Ctrl-C. */
export interface StopReport {
  /** Requests being answered when the stop began (all answered before stopping). */
  readonly requestsInFlight: number;
  /** Shadow sends still pending after their answers (all settled before stopping). */
  readonly deferredSends: number;
  /** Samples in the shadow queue once those sends settled. */
  readonly queued: number;
  /** Samples the worker finished (compared, or recorded as failed) during the stop. */
  readonly processed: number;
  /** Samples still in the shadow queue when the emulator stopped. */
  readonly left: number;
  /** Samples in the dead-letter queue when the emulator stopped. */
  readonly deadLettered: number;
  /** Where what was left is kept for the next start, when there is a data dir. */
  readonly keptIn?: string;
}

export class PortInUseError extends UserError {
  override readonly name = 'PortInUseError';
  constructor(readonly port: number) {
    super(`port ${port} is in use; try PORT=${port + 1} npm start`);
  }
}

/**
 * Fails type-checking when a handler stops matching the contract local mode invokes it with
 * (type-only imports: nothing runs before the environment is set).
 */
type Assignable<T extends U, U> = T;
export type HandlerContracts = [
  Assignable<typeof import('../lambda/handlers/router').handler, ProxyHandler>,
  Assignable<typeof import('../lambda/handlers/get-comparison').handler, ProxyHandler>,
  Assignable<typeof import('../lambda/handlers/outcomes').handler, ProxyHandler>,
  Assignable<typeof import('../lambda/handlers/report').handler, ProxyHandler>,
  Assignable<typeof import('../lambda/handlers/worker').handler, SqsBatchHandler>,
];

let started = false;

/**
 * Runs the whole system in this process: dynalite, fauxqs, the model server, the event source
 * poller feeding the worker, and the API server in front of the router, all with the handlers
 * the stack deploys. The handlers read their environment once, at import, so this can run once
 * per process.
 */
export async function startLocal(options: StartLocalOptions = {}): Promise<LocalSystem> {
  if (started)
    throw new Error('startLocal runs once per process: the handlers read their environment at import');
  started = true;
  const shadowDispatch = options.shadowDispatch ?? (options.dataDir ? 'before-response' : undefined);
  const stage: StageConfig = {
    ...stages.dev,
    guardrails: { ...stages.dev.guardrails, ...LOCAL_LATENCY_GUARDRAILS, ...LOCAL_ACCURACY_MARGIN },
    router: {
      ...stages.dev.router,
      modelTimeoutMs: Math.max(stages.dev.router.modelTimeoutMs, LOCAL_MIN_MODEL_TIMEOUT_MS),
      ...(shadowDispatch ? { shadowDispatch } : {}),
    },
  };
  const models = loadModelsFile(options.modelsFile ?? DEFAULT_MODELS_FILE);
  const functions = localFunctions(stage);
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    cleanup.length = 0;
  };
  // Before anything touches the folder: a second instance on it stops here, with a clear message.
  const lock: DataDirLock | undefined = options.dataDir ? lockDataDir(options.dataDir) : undefined;
  if (lock) cleanup.push(async () => lock.release());
  let batchesDone = 0;
  const onBatch = (outcome: BatchOutcome) => {
    batchesDone += outcome.messageIds.length - outcome.failedIds.length;
    options.onBatch?.(outcome);
  };

  try {
    // Two event loops: this one runs the API, the router and the other API functions, the queue
    // and the model server the router calls; the shadow thread runs dynalite, the worker with its
    // poller and a model server for the worker's calls. Each path finds what it calls on every
    // request in its own loop, and one waits for the other only at the queue (see threads/services.ts).
    const [shadow, sqs, modelServer] = await Promise.all([
      startServiceThread(
        'shadow',
        {
          dynamodb: {
            tables: [comparisonTable(LOCAL_TABLE_NAME), runtimeConfigTable(LOCAL_RUNTIME_CONFIG_TABLE_NAME)],
            region: LOCAL_REGION,
            ...(options.dataDir ? { dataDir: options.dataDir } : {}),
          },
          models: { endpoints: models.endpoints, region: LOCAL_REGION },
        },
        {
          onEvent: (event) => {
            if (event.kind === 'batch') onBatch(event.outcome);
            else options.onPollError?.(deserializeError(event.error));
          },
          onCrash: (error) => options.onServiceCrash?.('shadow', error),
        },
      ).then(remember(cleanup)),
      startSqs({
        region: LOCAL_REGION,
        queueName: QUEUE_NAME,
        deadLetterQueueName: `${QUEUE_NAME}-dlq`,
        visibilityTimeoutSeconds:
          options.visibilityTimeoutSeconds ?? shadowVisibilityTimeoutSeconds(stage.worker),
        maxReceiveCount: stage.queue.maxReceiveCount,
        ...(options.dataDir ? { journalFile: join(options.dataDir, QUEUE_JOURNAL_FILE) } : {}),
        // The router's shadow sends stay in this thread: in memory, without a loopback socket.
        inProcessClients: true,
      }).then(remember(cleanup)),
      startModelServer({ endpoints: models.endpoints, region: LOCAL_REGION }).then((server) => {
        cleanup.push(() => server.close());
        return server;
      }),
    ]);
    const endpoints = {
      sageMakerRuntime: modelServer.url,
      sqs: sqs.endpoint,
      dynamodb: shadow.info.dynamodbEndpoint,
    };
    const evidenceLogDir = options.dataDir
      ? join(options.dataDir, 'evidence')
      : mkdtempSync(join(tmpdir(), 'shadow-rollout-evidence-'));
    mkdirSync(evidenceLogDir, { recursive: true });
    if (!options.dataDir)
      cleanup.unshift(async () => rmSync(evidenceLogDir, { recursive: true, force: true }));

    for (const name of CONFLICTING_AWS_VARIABLES) delete process.env[name];
    const environment = (sageMakerRuntime: string) =>
      localEnvironment({
        stage,
        models,
        region: LOCAL_REGION,
        tableName: LOCAL_TABLE_NAME,
        runtimeConfigTableName: LOCAL_RUNTIME_CONFIG_TABLE_NAME,
        shadowQueueUrl: sqs.queue.url,
        sampleRate: options.sampleRate ?? 1,
        dispatchBudgetMs: Math.max(stage.router.dispatchBudgetMs, LOCAL_MIN_DISPATCH_BUDGET_MS),
        endpoints: { ...endpoints, sageMakerRuntime },
        evidenceLogDir,
        ...(options.analysisMemoryMb === undefined ? {} : { analysisMemoryMb: options.analysisMemoryMb }),
      });
    Object.assign(process.env, environment(endpoints.sageMakerRuntime));
    // Deferred shadow sends need nothing to keep them alive here: this process does not freeze.
    afterResponse.activate('long-lived-process');
    // Imported only now: the handlers build their clients and read settings at import (cold start).
    const rollback = (await import('../lambda/handlers/rollback')).handler;
    const knobs = deployTimeRouting(process.env);
    const { DuckDbAnalysisEngine } = await import('../lambda/adapters/duckdb-analysis');
    const rolloutEngine = await DuckDbAnalysisEngine.open(evidenceLogDir, {
      memoryLimit: `${analysisMemoryMbOf(process.env)}MB`,
    });
    cleanup.push(async () => rolloutEngine.close());
    // Closed JSON-lines files become Parquet (reports read a few columns instead of every line).
    const { scheduleCompaction } = await import('../lambda/adapters/evidence-compaction');
    const compaction = scheduleCompaction(rolloutEngine, {
      onError: (error) => options.onRolloutError?.('evidence compaction', error),
    });
    cleanup.push(() => compaction.stop());
    const rollout = localRollout({
      dynamoDb: dynamoDbClient(),
      engine: rolloutEngine,
      runtimeConfigTable: LOCAL_RUNTIME_CONFIG_TABLE_NAME,
      deployTime: knobs,
      allowedEndpoints: allowedEndpoints(knobs),
      guardrails: stage.guardrails,
      stage: stage.rollout,
      stageName: stage.stage,
      tickMs: options.rolloutTickMs ?? DEFAULT_ROLLOUT_TICK_MS,
      backlogAgeSeconds: () => sqs.oldestAgeSeconds(sqs.queue.name),
      ...(options.onRolloutNotification ? { onNotification: options.onRolloutNotification } : {}),
      ...(options.onRolloutError ? { onError: options.onRolloutError } : {}),
    });
    const targets = {
      ...rolloutTargets(rollout, functions.other),
      ...(await routeTargets(functions)),
      ...adminTargets(
        {
          region: LOCAL_REGION,
          dynamodbEndpoint: shadow.info.dynamodbEndpoint,
          comparisonTable: LOCAL_TABLE_NAME,
          runtimeConfigTable: LOCAL_RUNTIME_CONFIG_TABLE_NAME,
          deployTime: knobs,
          allowedEndpoints: allowedEndpoints(knobs),
          guardrails: stage.guardrails,
        },
        rollback,
        functions.other,
      ),
    };

    // The worker's environment is the stack's, with its own model server (the same models file).
    await shadow.call(
      'startWorker',
      { ...(process.env as Record<string, string>), ...environment(shadow.info.modelServerUrl) },
      {
        // The emulator's address: the thread then needs no `*.localhost` name lookup.
        sqsEndpoint: `http://127.0.0.1:${new URL(sqs.endpoint).port}`,
        queueUrl: sqs.queue.url,
        queueArn: sqs.queue.arn,
        function: functions.worker,
        batchSize: stage.worker.batchSize,
        maxBatchingWindowMs: options.maxBatchingWindowMs ?? stage.worker.maxBatchingWindowSeconds * 1000,
        maxConcurrency: stage.worker.maxConcurrency,
        ...(options.receiveWaitSeconds === undefined
          ? {}
          : { receiveWaitSeconds: options.receiveWaitSeconds }),
        ...(options.failFirstDelivery ? { failFirstDelivery: true } : {}),
      },
    );

    rollout.start();
    cleanup.push(() => rollout.stop());

    const port = options.port ?? 3000;
    const api = await startApiServer({
      port,
      host: options.host ?? '127.0.0.1',
      routes: [...routes, ...adminRoutes, ...rolloutRoutes],
      targets,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? new PortInUseError(port) : error;
    });
    cleanup.push(() => api.close());

    const stop = async (stopOptions: StopOptions = {}): Promise<StopReport> => {
      const requestsInFlight = api.inFlight();
      await api.close();
      // Sends still pending after the last answers reach the queue before anything stops.
      const deferredSends = afterResponse.pendingCount;
      await afterResponse.idle();
      const queued = sqs.depth(sqs.queue.name);
      const processedBefore = batchesDone;
      const drainUntil = Date.now() + (stopOptions.drainQueueMs ?? 0);
      for (let tick = 0; sqs.depth(sqs.queue.name) > 0 && Date.now() < drainUntil; tick++) {
        if (tick % 10 === 0) stopOptions.onDrainProgress?.(sqs.depth(sqs.queue.name));
        await sleep(100);
      }
      await shadow.call('stopWorker');
      const report: StopReport = {
        requestsInFlight,
        deferredSends,
        queued,
        processed: batchesDone - processedBefore,
        left: sqs.depth(sqs.queue.name),
        deadLettered: sqs.depth(sqs.deadLetterQueue.name),
        ...(options.dataDir ? { keptIn: options.dataDir } : {}),
      };
      await stopAll();
      return report;
    };

    return {
      url: api.url,
      port: api.port,
      models,
      tableName: LOCAL_TABLE_NAME,
      runtimeConfigTableName: LOCAL_RUNTIME_CONFIG_TABLE_NAME,
      queue: sqs.queue,
      deadLetterQueue: sqs.deadLetterQueue,
      endpoints,
      evidenceLogDir,
      shadowDispatch: stage.router.shadowDispatch,
      replayed: sqs.replayed,
      recoveredStaleLock: lock?.recoveredStaleLock ?? false,
      queueDepth: (name) => sqs.depth(name),
      threadCpuMs: async () => ({ api: threadCpuMs(), shadow: await shadow.call('cpuMs') }),
      stop,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function remember(cleanup: (() => Promise<void>)[]) {
  return <T extends { stop(): Promise<void> }>(service: T): T => {
    cleanup.push(() => service.stop());
    return service;
  };
}

/** Timeouts and memory as the stack gives each function. */
function localFunctions(stage: StageConfig) {
  const fn = (name: string, timeoutMs: number, memoryMb: number, maxConcurrency?: number): LocalFunction => ({
    name: `${FUNCTION_PREFIX}-${name}`,
    timeoutMs,
    memoryMb,
    region: LOCAL_REGION,
    ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
  });
  return {
    router: fn(
      'router',
      routerTimeoutSeconds(stage.router) * 1000,
      stage.router.memoryMb,
      LOCAL_ROUTER_CONCURRENCY,
    ),
    worker: fn('worker', stage.worker.timeoutSeconds * 1000, stage.worker.memoryMb),
    other: (name: string) => fn(name, 10_000, 512),
  };
}

async function routeTargets(
  functions: ReturnType<typeof localFunctions>,
): Promise<Record<string, RouteTarget>> {
  const targets: Record<string, RouteTarget> = {};
  for (const name of new Set(routes.map((route) => route.handler))) {
    const module = (await import(`../lambda/handlers/${name}`)) as { handler?: unknown };
    if (typeof module.handler !== 'function')
      throw new Error(`lambda/handlers/${name}.ts exports no handler`);
    targets[name] = {
      function: name === 'router' ? functions.router : functions.other(name),
      handler: module.handler as ProxyHandler,
    };
  }
  return targets;
}

/** The analysis engine's memory cap (MB) the functions will read; a bad shell value is one line. */
function analysisMemoryMbOf(env: NodeJS.ProcessEnv): number {
  try {
    return readSetting(evidenceMemoryMb, env);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError)
      throw new UserError(`${error.message} (unset it, or start with --analysis-memory-mb MB)`);
    throw error;
  }
}
