import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { comparisonTable, runtimeConfigTable, startDynamoDb } from '../../local/emulators/dynamodb';
import { startSqs } from '../../local/emulators/sqs';

const region = 'us-east-1';

describe('local DynamoDB (dynalite)', () => {
  it('creates the comparison table (keyed by request id, no index) and the runtime config table', async () => {
    const dynamodb = await startDynamoDb({
      tables: [comparisonTable('comparisons'), runtimeConfigTable('config')],
      region,
    });
    const client = new DynamoDBClient({ endpoint: dynamodb.endpoint, region });
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: 'comparisons' }));

      expect(Table?.KeySchema).toEqual([{ AttributeName: 'requestId', KeyType: 'HASH' }]);
      expect(Table?.GlobalSecondaryIndexes ?? []).toEqual([]);
      const config = await client.send(new DescribeTableCommand({ TableName: 'config' }));
      expect(config.Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    } finally {
      client.destroy();
      await dynamodb.stop();
    }
  });

  it('keeps items between runs when given a data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shadow-rollout-dynalite-'));
    try {
      const first = await startDynamoDb({ tables: [comparisonTable('comparisons')], region, dataDir });
      const writer = new DynamoDBClient({ endpoint: first.endpoint, region });
      await writer.send(
        new PutItemCommand({ TableName: 'comparisons', Item: { requestId: { S: 'kept' }, n: { N: '1' } } }),
      );
      writer.destroy();
      await first.stop();

      const second = await startDynamoDb({ tables: [comparisonTable('comparisons')], region, dataDir });
      const reader = new DynamoDBClient({ endpoint: second.endpoint, region });
      const { Item } = await reader.send(
        new GetItemCommand({ TableName: 'comparisons', Key: { requestId: { S: 'kept' } } }),
      );
      reader.destroy();
      await second.stop();

      expect(Item?.n).toEqual({ N: '1' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('local SQS (fauxqs)', () => {
  it('serves the queue at its own URL through AWS_ENDPOINT_URL_SQS and redrives to the DLQ', async () => {
    const sqs = await startSqs({
      region,
      queueName: 'shadow',
      deadLetterQueueName: 'shadow-dlq',
      visibilityTimeoutSeconds: 0,
      maxReceiveCount: 2,
    });
    const previous = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
    // Built like the handlers build theirs: no endpoint in code.
    const client = new SQSClient({ region });
    try {
      await client.send(new SendMessageCommand({ QueueUrl: sqs.queue.url, MessageBody: 'poison' }));
      const receive = () =>
        client.send(
          new ReceiveMessageCommand({ QueueUrl: sqs.queue.url, MessageSystemAttributeNames: ['All'] }),
        );

      const first = await receive();
      const second = await receive();
      const third = await receive();
      const dead = await client.send(new ReceiveMessageCommand({ QueueUrl: sqs.deadLetterQueue.url }));

      expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
      expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
      expect(third.Messages).toBeUndefined();
      expect(dead.Messages?.[0]?.Body).toBe('poison');
      await client.send(
        new DeleteMessageCommand({
          QueueUrl: sqs.deadLetterQueue.url,
          ReceiptHandle: dead.Messages?.[0]?.ReceiptHandle,
        }),
      );
      expect(sqs.depth('shadow') + sqs.depth('shadow-dlq')).toBe(0);
    } finally {
      client.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
      else process.env.AWS_ENDPOINT_URL_SQS = previous;
      await sqs.stop();
    }
  });
});

describe('local SQS with a journal (--data-dir)', () => {
  const options = (journalFile: string) => ({
    region,
    queueName: 'shadow',
    deadLetterQueueName: 'shadow-dlq',
    visibilityTimeoutSeconds: 0,
    maxReceiveCount: 1,
    journalFile,
  });

  it('sends again, at the next start, every message not deleted: queued, in flight and dead-lettered', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'sqs-journal-'));
    const journalFile = join(dir, 'queue.journal');
    const first = await startSqs(options(journalFile));
    const client = new SQSClient({
      region,
      endpoint: first.endpoint,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    const bodies = ['deleted', 'in-flight', 'queued', 'dead'];
    try {
      for (const body of bodies)
        await client.send(new SendMessageCommand({ QueueUrl: first.queue.url, MessageBody: body }));
      // 'deleted' and 'in-flight' received; 'deleted' deleted.
      const received = await client.send(
        new ReceiveMessageCommand({ QueueUrl: first.queue.url, MaxNumberOfMessages: 2 }),
      );
      const deleted = received.Messages?.find((m) => m.Body === 'deleted');
      await client.send(
        new DeleteMessageCommand({ QueueUrl: first.queue.url, ReceiptHandle: deleted?.ReceiptHandle }),
      );
      // Visibility timeout 0 and maxReceiveCount 1: the next receive hands out 'queued' and 'dead'
      // and moves 'in-flight' (received before) to the DLQ; the one after moves those two.
      const again = await client.send(
        new ReceiveMessageCommand({ QueueUrl: first.queue.url, MaxNumberOfMessages: 10 }),
      );
      expect(again.Messages?.map((m) => m.Body).sort()).toEqual(['dead', 'queued']);
      await client.send(new ReceiveMessageCommand({ QueueUrl: first.queue.url, MaxNumberOfMessages: 10 }));
      const deadLettered = first.depth('shadow-dlq');
      expect(deadLettered).toBe(3);
    } finally {
      client.destroy();
      // No clean stop needed for the journal: every line is written before the emulator answers.
      await first.stop();
    }

    // Act
    const second = await startSqs(options(journalFile));
    const reader = new SQSClient({
      region,
      endpoint: second.endpoint,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    try {
      const dead = await reader.send(
        new ReceiveMessageCommand({ QueueUrl: second.deadLetterQueue.url, MaxNumberOfMessages: 10 }),
      );

      // Assert
      expect(second.replayed).toEqual({ 'shadow-dlq': 3 });
      expect(dead.Messages?.map((m) => m.Body).sort()).toEqual(['dead', 'in-flight', 'queued']);
      expect(second.depth('shadow')).toBe(0);
    } finally {
      reader.destroy();
      await second.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a message sent and never received for the next start, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqs-journal-'));
    const journalFile = join(dir, 'queue.journal');
    const first = await startSqs(options(journalFile));
    const client = new SQSClient({
      region,
      endpoint: first.endpoint,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    await client.send(new SendMessageCommand({ QueueUrl: first.queue.url, MessageBody: 'kept' }));
    client.destroy();
    await first.stop();

    const second = await startSqs(options(journalFile));
    await second.stop();
    const third = await startSqs(options(journalFile));
    try {
      expect(second.replayed).toEqual({ shadow: 1 });
      // Replayed once more (still not received): the old copy was dropped, not duplicated.
      expect(third.replayed).toEqual({ shadow: 1 });
      expect(third.depth('shadow')).toBe(1);
    } finally {
      await third.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
