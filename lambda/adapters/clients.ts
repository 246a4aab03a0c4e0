import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * SDK client factories. Handlers call them once at module scope (cold start) and pass the
 * clients into adapters, so tests can pass their own. Endpoints come from the SDK's standard
 * configuration (e.g. AWS_ENDPOINT_URL_SQS), which is how local mode reaches its emulators.
 *
 * Plain clients only: the comparison store's document client (lib-dynamodb) is built beside the
 * store (comparison-store.ts), so functions that never touch comparisons, the router first, never
 * load it.
 */

/**
 * No cap on sockets per client. The SDK's default (50) queues a 51st concurrent call for a
 * socket, and that wait counts against `connectionTimeout`: it fails as a timeout although
 * nothing was slow. A Lambda environment serves one request at a time and never gets near the
 * cap; local mode and the benchmarks serve hundreds at once through one client.
 */
const UNCAPPED_SOCKETS = { httpAgent: { maxSockets: Infinity }, httpsAgent: { maxSockets: Infinity } };

/**
 * Resolve each command class's middleware stack once per client instead of on every call
 * (about a tenth of a call's CPU, measured in BENCHMARKS.md §2). Safe because nothing here adds
 * middleware to a client or command after construction. The SDK skips the cache for calls made
 * with per-call options (the model invoker's abort signal), which then resolve as before.
 */
const CACHED_MIDDLEWARE = { cacheMiddleware: true } as const;

export interface ModelClientOptions {
  readonly maxAttempts: number;
  /** Per-attempt socket timeout; the whole call is also bounded by an abort signal. */
  readonly attemptTimeoutMs: number;
}

export function sageMakerRuntimeClient(options: ModelClientOptions): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({
    ...CACHED_MIDDLEWARE,
    maxAttempts: options.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(1000, options.attemptTimeoutMs),
      requestTimeout: options.attemptTimeoutMs,
      ...UNCAPPED_SOCKETS,
    }),
  });
}

export function sqsClient(): SQSClient {
  // One retry at most. The caller stops waiting at the dispatch budget; these timeouts bound how
  // long a send it stopped waiting for can keep a socket.
  return new SQSClient({
    ...CACHED_MIDDLEWARE,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1000,
      requestTimeout: 5000,
      ...UNCAPPED_SOCKETS,
    }),
  });
}

export interface DynamoDbClientOptions {
  /**
   * For lib-dynamodb's document client, which refuses a client whose middleware is cached.
   * @default false
   */
  readonly forDocumentClient?: boolean;
}

export function dynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.forDocumentClient ? {} : CACHED_MIDDLEWARE),
    requestHandler: new NodeHttpHandler(UNCAPPED_SOCKETS),
  });
}

export function firehoseClient(): FirehoseClient {
  // The SDK retries a failed call (throttling, 5xx) up to 3 attempts; the adapter then retries
  // the records a successful call did not accept. The timeouts keep a worker batch bounded.
  return new FirehoseClient({
    ...CACHED_MIDDLEWARE,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 }),
  });
}

export function athenaClient(): AthenaClient {
  // Polling calls are small; a slow one must not eat the report's deadline.
  return new AthenaClient({
    ...CACHED_MIDDLEWARE,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 }),
  });
}
