import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type LocalSqs, startSqs } from '../../local/emulators/sqs';
import {
  type BatchOutcome,
  EventSourcePoller,
  type EventSourcePollerOptions,
} from '../../local/event-source-poller/poller';
import { LOCAL_CREDENTIALS } from '../../local/local-aws';
import { waitFor } from '../support/wait-for';

const region = 'us-east-1';
const MAX_RECEIVE_COUNT = 2;

describe('event source poller (like Lambda SQS event source mapping) against fauxqs', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  let poller: EventSourcePoller | undefined;
  let queueCounter = 0;

  beforeEach(async () => {
    queueCounter += 1;
    sqs = await startSqs({
      region,
      queueName: `shadow-${queueCounter}`,
      deadLetterQueueName: `shadow-${queueCounter}-dlq`,
      visibilityTimeoutSeconds: 1,
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    client = new SQSClient({ region, endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    client.destroy();
    await sqs.stop();
  });

  const send = async (...bodies: string[]) => {
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.queue.url,
        Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
  };

  const startPoller = (
    handler: EventSourcePollerOptions['handler'],
    overrides: Partial<EventSourcePollerOptions> = {},
  ) => {
    const outcomes: BatchOutcome[] = [];
    poller = new EventSourcePoller({
      sqs: client,
      queueUrl: sqs.queue.url,
      queueArn: sqs.queue.arn,
      function: { name: 'worker', timeoutMs: 5000, memoryMb: 512, region },
      handler,
      batchSize: 10,
      maxBatchingWindowMs: 100,
      maxConcurrency: 1,
      receiveWaitSeconds: 1,
      onBatch: (outcome) => outcomes.push(outcome),
      ...overrides,
    });
    poller.start();
    return outcomes;
  };

  const queueDrained = () => (sqs.depth(sqs.queue.name) === 0 ? true : undefined);

  it('invokes the handler with batches of Lambda-shaped SQS records and deletes what succeeded', async () => {
    // Arrange
    await send('a', 'b', 'c', 'd', 'e', 'f', 'g');
    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queue.url,
        MessageBody: 'with-attributes',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'shadow' } },
      }),
    );
    const events: SQSEvent[] = [];

    // Act
    startPoller(
      async (event) => {
        events.push(event);
        return { batchItemFailures: [] };
      },
      { batchSize: 5 },
    );
    await waitFor(queueDrained, 'the queue to drain');

    // Assert
    const records = events.flatMap((event) => event.Records);
    expect(records.map((r) => r.body).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'with-attributes']);
    expect(Math.max(...events.map((e) => e.Records.length))).toBe(5);
    const record = records.find((r) => r.body === 'a') as SQSRecord;
    expect(record).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'a',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update('a').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: sqs.queue.arn,
      awsRegion: region,
    });
    expect(records.find((r) => r.body === 'with-attributes')?.messageAttributes).toEqual({
      kind: { dataType: 'String', stringValue: 'shadow', stringListValues: [], binaryListValues: [] },
    });
  });

  it('redelivers only the records reported in batchItemFailures, after the visibility timeout', async () => {
    await send('ok-1', 'flaky', 'ok-2');
    const deliveries: SQSRecord[] = [];

    startPoller(async (event): Promise<SQSBatchResponse> => {
      deliveries.push(...event.Records);
      const failures = event.Records.filter(
        (r) => r.body === 'flaky' && r.attributes.ApproximateReceiveCount === '1',
      );
      return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await waitFor(queueDrained, 'the queue to drain');

    expect(deliveries.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`).sort()).toEqual([
      'flaky#1',
      'flaky#2',
      'ok-1#1',
      'ok-2#1',
    ]);
  });

  it('retries the whole batch when the handler throws', async () => {
    await send('x', 'y');
    const deliveries: string[] = [];

    const outcomes = startPoller(async (event) => {
      deliveries.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
      if (event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1')) throw new Error('boom');
      return undefined;
    });
    await waitFor(queueDrained, 'the queue to drain');

    expect(deliveries.sort()).toEqual(['x#1', 'x#2', 'y#1', 'y#2']);
    expect(outcomes[0]?.batchError).toBe('Error: boom');
  });

  it('fails the whole batch when the response names a record that is not in it', async () => {
    await send('z');
    let calls = 0;

    const outcomes = startPoller(async () => {
      calls += 1;
      return { batchItemFailures: calls === 1 ? [{ itemIdentifier: 'not-in-this-batch' }] : [] };
    });
    await waitFor(queueDrained, 'the queue to drain');

    expect(calls).toBe(2);
    expect(outcomes[0]?.batchError).toMatch(/InvalidBatchResponseError/);
  });

  it('fails the batch when the handler outlives the function timeout', async () => {
    await send('slow');
    let calls = 0;

    const outcomes = startPoller(
      async () => {
        calls += 1;
        if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 500));
      },
      { function: { name: 'worker', timeoutMs: 50, memoryMb: 512, region } },
    );
    await waitFor(queueDrained, 'the queue to drain');

    expect(outcomes[0]?.batchError).toMatch(/FunctionTimeoutError/);
    expect(calls).toBe(2);
  });

  it('moves a message that keeps failing to the DLQ after maxReceiveCount receives', async () => {
    await send('poison');
    let calls = 0;

    startPoller(async (event) => {
      calls += 1;
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await waitFor(() => (sqs.depth(sqs.deadLetterQueue.name) === 1 ? true : undefined), 'the DLQ', 15_000);

    expect(calls).toBe(MAX_RECEIVE_COUNT);
    expect(sqs.depth(sqs.queue.name)).toBe(0);
  });

  it('never runs more invocations at once than maxConcurrency', async () => {
    await send(...Array.from({ length: 8 }, (_, i) => `m${i}`));
    let running = 0;
    let mostRunning = 0;
    let handled = 0;

    startPoller(
      async (event) => {
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 100));
        running -= 1;
        handled += event.Records.length;
      },
      { batchSize: 1, maxConcurrency: 2, maxBatchingWindowMs: 0 },
    );
    await waitFor(() => (handled === 8 ? true : undefined), 'all messages');

    expect(mostRunning).toBe(2);
  });

  it('can fail every first delivery after the handler ran, so tests can prove idempotency', async () => {
    await send('once');
    const receiveCounts: string[] = [];

    const outcomes = startPoller(
      async (event) => {
        receiveCounts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
      },
      { failFirstDelivery: true },
    );
    await waitFor(queueDrained, 'the queue to drain');

    expect(receiveCounts).toEqual(['1', '2']);
    expect(outcomes[0]?.injectedFailureIds).toHaveLength(1);
  });

  it('stops promptly while long-polling an empty queue', async () => {
    startPoller(async () => undefined, { receiveWaitSeconds: 20, maxConcurrency: 3 });

    await poller?.stop();
    poller = undefined;

    expect(sqs.depth(sqs.queue.name)).toBe(0);
  });
});
