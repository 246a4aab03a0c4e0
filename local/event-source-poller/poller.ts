import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { invokeFunction, type LambdaHandler, type LocalFunction } from '../lambda-runtime';
import { toSqsRecord } from './sqs-record';

// biome-ignore lint/suspicious/noConfusingVoidType: a Lambda handler may return nothing (= all succeeded).
export type SqsBatchHandler = LambdaHandler<SQSEvent, SQSBatchResponse | undefined | void>;

export interface EventSourcePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly function: LocalFunction;
  readonly handler: SqsBatchHandler;
  /** Most records per invocation (1..10). */
  readonly batchSize: number;
  /** How long to keep gathering records once the first one arrived. */
  readonly maxBatchingWindowMs: number;
  /** Most invocations running at once (the event source's maximum concurrency). */
  readonly maxConcurrency: number;
  /** Long-poll wait of each ReceiveMessage call (0..20 s). @default 20 */
  readonly receiveWaitSeconds?: number;
  /**
   * Fault injection for tests of idempotency: after the handler ran, treat every first delivery
   * as failed, so each message is delivered (at least) twice. @default false
   */
  readonly failFirstDelivery?: boolean;
  /** Called after each invocation with what happened to its records. */
  readonly onBatch?: (outcome: BatchOutcome) => void;
  /** Called when polling itself fails (the poller backs off and retries). */
  readonly onPollError?: (error: unknown) => void;
}

export interface BatchOutcome {
  readonly messageIds: readonly string[];
  /** Records left on the queue for redelivery after their visibility timeout. */
  readonly failedIds: readonly string[];
  /** Why the whole batch failed (handler threw, timed out or answered nonsense), if it did. */
  readonly batchError?: string;
  /** Records failed by `failFirstDelivery` rather than by the handler. */
  readonly injectedFailureIds: readonly string[];
  readonly durationMs: number;
}

const POLL_ERROR_BACKOFF_MS = 1000;
const WINDOW_POLL_INTERVAL_MS = 25;

/**
 * Feeds a worker handler the way Lambda's SQS event source mapping does with
 * ReportBatchItemFailures on: batches of up to `batchSize` records gathered for at most the
 * batching window, at most `maxConcurrency` invocations at a time; records the handler reports
 * in `batchItemFailures` stay on the queue and come back after the visibility timeout, a thrown
 * error or a timeout fails the whole batch, the rest is deleted. After maxReceiveCount receives
 * SQS itself (fauxqs, like the real service) moves a message to the DLQ.
 */
export class EventSourcePoller {
  private readonly abort = new AbortController();
  private slots: Promise<void>[] = [];

  constructor(private readonly options: EventSourcePollerOptions) {
    if (options.batchSize < 1 || options.batchSize > 10) throw new Error('batchSize must be in [1, 10]');
    if (options.maxConcurrency < 1) throw new Error('maxConcurrency must be at least 1');
  }

  start(): void {
    if (this.slots.length > 0) return;
    this.slots = Array.from({ length: this.options.maxConcurrency }, () => this.runSlot());
  }

  /** Stops polling and waits for invocations in progress to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.slots);
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async runSlot(): Promise<void> {
    while (!this.stopping) {
      let messages: Message[];
      try {
        messages = await this.collectBatch();
      } catch (error) {
        if (this.stopping) return;
        this.options.onPollError?.(error);
        await this.pause(POLL_ERROR_BACKOFF_MS);
        continue;
      }
      if (messages.length > 0) await this.invoke(messages);
    }
  }

  /** Long-polls for a first record, then gathers more until the batch is full or the window closes. */
  private async collectBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowMs } = this.options;
    const batch = await this.receive(batchSize, this.options.receiveWaitSeconds ?? 20);
    const windowEnds = Date.now() + maxBatchingWindowMs;
    while (batch.length > 0 && batch.length < batchSize && !this.stopping) {
      const remainingMs = windowEnds - Date.now();
      if (remainingMs <= 0) break;
      const more = await this.receive(batchSize - batch.length, Math.floor(remainingMs / 1000));
      batch.push(...more);
      if (more.length === 0) await this.pause(Math.min(remainingMs, WINDOW_POLL_INTERVAL_MS));
    }
    return batch;
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages } = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return Messages ?? [];
  }

  private async invoke(messages: Message[]): Promise<void> {
    const started = Date.now();
    const event: SQSEvent = {
      Records: messages.map((message) =>
        toSqsRecord(message, { queueArn: this.options.queueArn, region: this.options.function.region }),
      ),
    };
    const messageIds = event.Records.map((record) => record.messageId);
    let failed: ReadonlySet<string>;
    let batchError: string | undefined;
    try {
      const response = await invokeFunction(this.options.function, this.options.handler, event);
      failed = reportedFailures(response, messageIds);
    } catch (error) {
      failed = new Set(messageIds);
      batchError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    const injected = this.options.failFirstDelivery
      ? event.Records.filter((r) => r.attributes.ApproximateReceiveCount === '1' && !failed.has(r.messageId))
      : [];
    const failedIds = new Set([...failed, ...injected.map((r) => r.messageId)]);
    await this.deleteSucceeded(messages.filter((m) => !failedIds.has(m.MessageId ?? '')));
    this.options.onBatch?.({
      messageIds,
      failedIds: [...failedIds],
      injectedFailureIds: injected.map((r) => r.messageId),
      durationMs: Date.now() - started,
      ...(batchError === undefined ? {} : { batchError }),
    });
  }

  private async deleteSucceeded(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    } catch (error) {
      // Like Lambda: an undeleted message simply comes back; the worker must be idempotent anyway.
      this.options.onPollError?.(error);
    }
  }

  private pause(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}

/**
 * Reads a partial batch response as Lambda does: nothing or an empty list means all succeeded;
 * a malformed answer or an id not in the batch fails the whole batch.
 */
export function reportedFailures(response: unknown, messageIds: readonly string[]): ReadonlySet<string> {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') throw new InvalidBatchResponseError('the response is not an object');
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) throw new InvalidBatchResponseError('batchItemFailures is not a list');
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !messageIds.includes(id)) {
      throw new InvalidBatchResponseError(
        `itemIdentifier ${JSON.stringify(id)} is not a message of the batch`,
      );
    }
    failed.add(id);
  }
  return failed;
}

export class InvalidBatchResponseError extends Error {
  override readonly name = 'InvalidBatchResponseError';
}
