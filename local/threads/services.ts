import { SQSClient } from '@aws-sdk/client-sqs';
import { COMPACTION_EVERY_MS, DEFAULT_ROTATION } from '../../lambda/adapters/evidence-compaction';
import { rotateWriters } from '../../lambda/adapters/evidence-log-files';
import { type LocalDynamoDb, type LocalDynamoDbOptions, startDynamoDb } from '../emulators/dynamodb';
import { type BatchOutcome, EventSourcePoller, type SqsBatchHandler } from '../event-source-poller/poller';
import type { LocalFunction } from '../lambda-runtime';
import { LOCAL_CREDENTIALS } from '../local-aws';
import { type ModelServer, type ModelServerOptions, startModelServer } from '../model-server/server';
import { type SerializedError, serializeError } from './protocol';
import { threadCpuMs } from './thread-cpu';

/** A service started in a thread: what the starting thread needs to know, calls, and a stop. */
export interface RunningService<Info, Calls extends object = Record<string, never>> {
  readonly info: Info;
  /** Functions the starting thread may call; arguments and results cross threads as plain data. */
  readonly calls?: Calls;
  stop(): Promise<void>;
}

export interface ShadowOptions {
  readonly dynamodb: LocalDynamoDbOptions;
  readonly models: Omit<ModelServerOptions, 'random'>;
}

export interface ShadowWorkerOptions {
  /** The SQS emulator's address (127.0.0.1, so no `*.localhost` lookup is needed in this thread). */
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly function: LocalFunction;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly maxConcurrency: number;
  readonly receiveWaitSeconds?: number;
  readonly failFirstDelivery?: boolean;
}

export type ShadowEvent =
  | { readonly kind: 'batch'; readonly outcome: BatchOutcome }
  | { readonly kind: 'poll-error'; readonly error: SerializedError };

/**
 * What local mode runs in a thread of its own (see start-local.ts). Options, info, call
 * arguments and results, and events cross the thread boundary: plain data only.
 */
export const threadServices = {
  /**
   * The shadow path's side: dynalite, a model server for the worker's calls (the candidates and
   * the noise baseline), and the worker with its event source poller. The worker then finds
   * what it calls on every record in its own event loop, and the API's event loop, in the
   * starting thread, serves callers without waiting behind comparisons. All of it still talks
   * HTTP, so the handlers run exactly as before (and as on AWS, where the worker has
   * environments of its own and DynamoDB and SageMaker are services elsewhere).
   *
   * Two steps: the emulators start first, as their addresses go into the functions'
   * environment; `startWorker` then gets that environment and imports the worker (its cold
   * start), as Lambda would.
   */
  shadow: async (options: ShadowOptions, emit: (event: ShadowEvent) => void) => {
    const dynamodb: LocalDynamoDb = await startDynamoDb(options.dynamodb);
    let modelServer: ModelServer;
    try {
      modelServer = await startModelServer(options.models);
    } catch (error) {
      await dynamodb.stop();
      throw error;
    }
    let worker: { poller: EventSourcePoller; sqs: SQSClient; rotation: NodeJS.Timeout } | undefined;
    const calls = {
      startWorker: async (environment: Readonly<Record<string, string>>, settings: ShadowWorkerOptions) => {
        if (worker) throw new Error('the worker runs already');
        replaceEnvironment(environment);
        const handler: SqsBatchHandler = (await import('../../lambda/handlers/worker')).handler;
        const sqs = new SQSClient({
          // As the SDK clients of the handlers (lambda/adapters/clients.ts).
          cacheMiddleware: true,
          region: settings.function.region,
          endpoint: settings.sqsEndpoint,
          credentials: LOCAL_CREDENTIALS,
        });
        const poller = new EventSourcePoller({
          sqs,
          queueUrl: settings.queueUrl,
          queueArn: settings.queueArn,
          function: settings.function,
          handler,
          batchSize: settings.batchSize,
          maxBatchingWindowMs: settings.maxBatchingWindowMs,
          maxConcurrency: settings.maxConcurrency,
          ...(settings.receiveWaitSeconds === undefined
            ? {}
            : { receiveWaitSeconds: settings.receiveWaitSeconds }),
          ...(settings.failFirstDelivery ? { failFirstDelivery: true } : {}),
          onBatch: (outcome) => emit({ kind: 'batch', outcome }),
          onPollError: (error) => emit({ kind: 'poll-error', error: serializeError(error) }),
        });
        poller.start();
        // Compaction runs in the API thread and closes only that thread's writers: the worker's
        // are closed here, on the same schedule, so their left segments can be compacted too.
        const rotation = setInterval(
          () => void rotateWriters(DEFAULT_ROTATION).catch(() => undefined),
          COMPACTION_EVERY_MS,
        );
        rotation.unref();
        worker = { poller, sqs, rotation };
      },
      /** CPU time this thread has used so far, ms (benchmarks; Linux only). */
      cpuMs: async () => threadCpuMs(),
      /** Stops polling and waits for the batches being worked on; the emulators keep running. */
      stopWorker: async () => {
        if (!worker) return;
        clearInterval(worker.rotation);
        await worker.poller.stop();
        worker.sqs.destroy();
        // Its segments are final now: the next compaction may take them.
        await rotateWriters();
      },
    };
    const running: RunningService<{ dynamodbEndpoint: string; modelServerUrl: string }, typeof calls> = {
      info: { dynamodbEndpoint: dynamodb.endpoint, modelServerUrl: modelServer.url },
      calls,
      stop: async () => {
        await calls.stopWorker();
        await modelServer.close();
        await dynamodb.stop();
      },
    };
    return running;
  },
};

/** This thread's environment becomes exactly `environment` (a worker thread starts with a copy). */
function replaceEnvironment(environment: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
  Object.assign(process.env, environment);
}

export type ThreadServices = typeof threadServices;
export type ServiceName = keyof ThreadServices;
export type ServiceOptions<N extends ServiceName> = Parameters<ThreadServices[N]>[0];
type Running<N extends ServiceName> = Awaited<ReturnType<ThreadServices[N]>>;
export type ServiceInfo<N extends ServiceName> = Running<N>['info'];
export type ServiceCalls<N extends ServiceName> = NonNullable<Running<N>['calls']>;
export type ServiceEvent<N extends ServiceName> =
  Parameters<ThreadServices[N]> extends [unknown, (event: infer E) => void] ? E : never;
