import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterResponse } from '../lambda/adapters/after-response';
import type { ShadowDispatch } from '../lambda/core/shadow-dispatch';
import { allowedEndpoints, deployTimeKnobs } from '../lambda/shared/settings';
import type { StageConfig } from '../lib/config/stage-config';
import { routerTimeoutSeconds, stages } from '../lib/config/stages';
import { adminRoutes, adminTargets } from './admin-routes';
import { routes } from './api-server/routes';
import {
  type ProxyHandler,
  type RequestLogEntry,
  type RouteTarget,
  startApiServer,
} from './api-server/server';
import { comparisonTable, runtimeConfigTable, startDynamoDb } from './emulators/dynamodb';
import { type LocalQueue, startSqs } from './emulators/sqs';
import { type BatchOutcome, EventSourcePoller, type SqsBatchHandler } from './event-source-poller/poller';
import type { LocalFunction } from './lambda-runtime';
import { LOCAL_CREDENTIALS } from './local-aws';
import { CONFLICTING_AWS_VARIABLES, localEnvironment } from './local-env';
import { loadModelsFile, type ModelsFile } from './model-server/models-file';
import { startModelServer } from './model-server/server';

export const DEFAULT_MODELS_FILE = join(__dirname, 'models.json');
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_TABLE_NAME = 'shadow-rollout-local-comparisons';
export const LOCAL_RUNTIME_CONFIG_TABLE_NAME = 'shadow-rollout-local-runtime-config';
const QUEUE_NAME = 'shadow-rollout-local-shadow';
const FUNCTION_PREFIX = 'shadow-rollout-local';
/**
 * Locally every function, the emulators and the model server share one event loop, so a send
 * to SQS that takes a few ms on AWS can take tens of ms here under load; the stage's budget
 * (50 ms in dev) would skip shadow samples that AWS would have sent.
 */
const LOCAL_MIN_DISPATCH_BUDGET_MS = 250;

export interface StartLocalOptions {
  /** API port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default local/models.json */
  readonly modelsFile?: string;
  /** Keep DynamoDB data in this folder between runs. @default in memory */
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
   * @default the dev stage's router.shadowDispatch
   */
  readonly shadowDispatch?: ShadowDispatch;
  /** Fault injection: fail each message's first delivery after the worker ran. @default false */
  readonly failFirstDelivery?: boolean;
  readonly onRequest?: (entry: RequestLogEntry) => void;
  readonly onBatch?: (outcome: BatchOutcome) => void;
  readonly onPollError?: (error: unknown) => void;
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
  /** Messages not yet deleted from a queue (visible, in flight or delayed). */
  queueDepth(queueName: string): number;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
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
  const stage: StageConfig = options.shadowDispatch
    ? { ...stages.dev, router: { ...stages.dev.router, shadowDispatch: options.shadowDispatch } }
    : stages.dev;
  const models = loadModelsFile(options.modelsFile ?? DEFAULT_MODELS_FILE);
  const functions = localFunctions(stage);
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    cleanup.length = 0;
  };

  try {
    const [dynamodb, sqs, modelServer] = await Promise.all([
      startDynamoDb({
        tables: [comparisonTable(LOCAL_TABLE_NAME), runtimeConfigTable(LOCAL_RUNTIME_CONFIG_TABLE_NAME)],
        region: LOCAL_REGION,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      }).then(remember(cleanup)),
      startSqs({
        region: LOCAL_REGION,
        queueName: QUEUE_NAME,
        deadLetterQueueName: `${QUEUE_NAME}-dlq`,
        visibilityTimeoutSeconds:
          options.visibilityTimeoutSeconds ??
          6 * stage.worker.timeoutSeconds + stage.worker.maxBatchingWindowSeconds,
        maxReceiveCount: stage.queue.maxReceiveCount,
      }).then(remember(cleanup)),
      startModelServer({ endpoints: models.endpoints, region: LOCAL_REGION }).then((server) => {
        cleanup.push(() => server.close());
        return server;
      }),
    ]);
    const endpoints = { sageMakerRuntime: modelServer.url, sqs: sqs.endpoint, dynamodb: dynamodb.endpoint };
    const evidenceLogDir = options.dataDir
      ? join(options.dataDir, 'evidence')
      : mkdtempSync(join(tmpdir(), 'shadow-rollout-evidence-'));
    mkdirSync(evidenceLogDir, { recursive: true });
    if (!options.dataDir)
      cleanup.unshift(async () => rmSync(evidenceLogDir, { recursive: true, force: true }));

    for (const name of CONFLICTING_AWS_VARIABLES) delete process.env[name];
    Object.assign(
      process.env,
      localEnvironment({
        stage,
        models,
        region: LOCAL_REGION,
        tableName: LOCAL_TABLE_NAME,
        runtimeConfigTableName: LOCAL_RUNTIME_CONFIG_TABLE_NAME,
        shadowQueueUrl: sqs.queue.url,
        sampleRate: options.sampleRate ?? 1,
        dispatchBudgetMs: Math.max(stage.router.dispatchBudgetMs, LOCAL_MIN_DISPATCH_BUDGET_MS),
        endpoints,
        evidenceLogDir,
      }),
    );
    // Deferred shadow sends need nothing to keep them alive here: this process does not freeze.
    afterResponse.activate('long-lived-process');
    // Imported only now: the handlers build their clients and read settings at import (cold start).
    const worker: SqsBatchHandler = (await import('../lambda/handlers/worker')).handler;
    const rollback = (await import('../lambda/handlers/rollback')).handler;
    const knobs = deployTimeKnobs(process.env);
    const targets = {
      ...(await routeTargets(functions)),
      ...adminTargets(
        {
          region: LOCAL_REGION,
          dynamodbEndpoint: dynamodb.endpoint,
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

    const sqsClient = new SQSClient({
      region: LOCAL_REGION,
      endpoint: sqs.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const poller = new EventSourcePoller({
      sqs: sqsClient,
      queueUrl: sqs.queue.url,
      queueArn: sqs.queue.arn,
      function: functions.worker,
      handler: worker,
      batchSize: stage.worker.batchSize,
      maxBatchingWindowMs: options.maxBatchingWindowMs ?? stage.worker.maxBatchingWindowSeconds * 1000,
      maxConcurrency: stage.worker.maxConcurrency,
      ...(options.receiveWaitSeconds === undefined ? {} : { receiveWaitSeconds: options.receiveWaitSeconds }),
      ...(options.failFirstDelivery ? { failFirstDelivery: true } : {}),
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
      ...(options.onPollError ? { onPollError: options.onPollError } : {}),
    });
    poller.start();
    cleanup.push(async () => {
      await poller.stop();
      sqsClient.destroy();
    });

    const port = options.port ?? 3000;
    const api = await startApiServer({
      port,
      host: options.host ?? '127.0.0.1',
      routes: [...routes, ...adminRoutes],
      targets,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? new PortInUseError(port) : error;
    });
    cleanup.push(() => api.close());
    // Runs right after the API closed (cleanup runs in reverse): sends still pending after the
    // last answers reach the queue before it stops.
    cleanup.push(() => afterResponse.idle());

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
      queueDepth: (name) => sqs.depth(name),
      stop: stopAll,
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
  const fn = (name: string, timeoutMs: number, memoryMb: number): LocalFunction => ({
    name: `${FUNCTION_PREFIX}-${name}`,
    timeoutMs,
    memoryMb,
    region: LOCAL_REGION,
  });
  return {
    router: fn('router', routerTimeoutSeconds(stage.router) * 1000, stage.router.memoryMb),
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
