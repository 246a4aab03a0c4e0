import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { captureOutput } from '../support/captured-output';
import { startDynalite } from '../support/dynalite';
import { shadowMessage, sqsEvent, sqsRecord, WORKER_ENV } from '../support/shadow-messages';

// Only the candidate endpoint is mocked: DynamoDB is real (dynalite), with real conditional writes.
const modelMock = mockClient(SageMakerRuntimeClient);
const context = { functionName: 'worker', awsRequestId: 'lambda-req' } as Context;
const TABLE = WORKER_ENV.TABLE_NAME;

let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let db: DynamoDBDocumentClient;
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  dynamo = await startDynalite(TABLE);
  Object.assign(process.env, WORKER_ENV, { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint }));
  ({ handler } = await import('../../lambda/handlers/worker'));
});
afterAll(async () => {
  db.destroy();
  await dynamo.stop();
});
beforeEach(() => {
  modelMock.reset();
  modelMock.on(InvokeEndpointCommand).resolves({
    Body: Buffer.from('{"label":"churn","probability":0.75}') as never,
    ContentType: 'application/json',
  });
  output = captureOutput();
});
afterEach(() => output.restore());

const get = async (requestId: string) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { requestId } }))).Item;

describe('worker against DynamoDB (dynalite)', () => {
  it('stores a comparison readable by request id, and appends its line to the evidence log', async () => {
    const message = shadowMessage({ requestId: 'window-1' });
    await handler(sqsEvent(sqsRecord(JSON.stringify(message), 'm1')), context);

    const item = await get('window-1');
    expect(item?.candidates[0].comparison.agree).toBe(true);
    const folder = join(WORKER_ENV.EVIDENCE_LOG_DIR, 'records', 'dt=2026-11-22');
    const lines = readdirSync(folder)
      .flatMap((file) => readFileSync(join(folder, file), 'utf8').split('\n'))
      .filter((line) => line.includes('"requestId":"window-1"'));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        requestId: 'window-1',
        candidateEndpoint: 'churn-v2',
        agree: true,
        dt: '2026-11-22',
      }),
    ]);
  });

  it('keeps exactly one record when the same message is delivered twice at once', async () => {
    const body = JSON.stringify(shadowMessage({ requestId: 'dup-1' }));
    const [a, b] = await Promise.all([
      handler(sqsEvent(sqsRecord(body, 'first')), context),
      handler(sqsEvent(sqsRecord(body, 'second', 2)), context),
    ]);

    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    expect(output.metric('Compared')).toBe(1);
    expect(output.metric('DuplicateDeliveries')).toBe(1);
    expect((await get('dup-1'))?.comparedAt).toEqual(expect.any(String));
  });

  it('never overwrites the first comparison on a later redelivery', async () => {
    const body = JSON.stringify(shadowMessage({ requestId: 'redeliver-1' }));
    await handler(sqsEvent(sqsRecord(body, 'm1')), context);
    const first = await get('redeliver-1');

    modelMock.on(InvokeEndpointCommand).resolves({
      Body: Buffer.from('{"label":"stay","probability":0.1}') as never,
      ContentType: 'application/json',
    });
    await handler(sqsEvent(sqsRecord(body, 'm1', 2)), context);

    expect(await get('redeliver-1')).toEqual(first);
    expect(modelMock).toHaveReceivedCommandTimes(InvokeEndpointCommand, 1);
  });

  it('joins a comparison to an outcome that arrived first, and keeps the outcome', async () => {
    const outcome = { converted: true, value: 42, receivedAt: '2026-11-22T10:00:05.000Z' };
    await db.send(new PutCommand({ TableName: TABLE, Item: { requestId: 'outcome-first', outcome } }));

    await handler(
      sqsEvent(sqsRecord(JSON.stringify(shadowMessage({ requestId: 'outcome-first' })), 'm1')),
      context,
    );

    const item = await get('outcome-first');
    expect(item?.outcome).toEqual(outcome);
    expect(item?.candidates[0].comparison.agree).toBe(true);
    expect(output.metric('Compared')).toBe(1);
  });

  it('keeps each item well under the 400 KB limit even for large answers', async () => {
    const big = JSON.stringify({ label: 'churn', probability: 0.9, explanation: 'x'.repeat(300_000) });
    modelMock
      .on(InvokeEndpointCommand)
      .resolves({ Body: Buffer.from(big) as never, ContentType: 'application/json' });
    const message = shadowMessage({
      requestId: 'large-1',
      request: {
        contentType: 'application/json',
        accept: '',
        body: JSON.stringify({ blob: 'y'.repeat(200_000) }),
        encoding: 'utf8',
      },
      served: { ...shadowMessage().served, body: big },
    });

    const response = await handler(sqsEvent(sqsRecord(JSON.stringify(message), 'big')), context);

    expect(response.batchItemFailures).toEqual([]);
    const item = await get('large-1');
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(100_000);
    expect(item?.served.bodyTruncated).toBe(true);
    expect(item?.input.truncated).toBe(true);
  });
});

describe('worker running several batches at once in one process', () => {
  it('reports each batch its own failures and deletes nothing that failed', async () => {
    const output = captureOutput();
    try {
      // Arrange: candidate "slow-ok" answers after 50 ms, "throttled" always pushes back.
      modelMock.reset();
      modelMock.on(InvokeEndpointCommand, { EndpointName: 'slow-ok' }).callsFake(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return { Body: Buffer.from('{"label":"churn","probability":0.8}'), ContentType: 'application/json' };
      });
      modelMock.on(InvokeEndpointCommand, { EndpointName: 'throttled' }).rejects(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      const batch = (prefix: string, candidate: string) =>
        sqsEvent(
          ...[0, 1, 2].map((i) =>
            sqsRecord(
              JSON.stringify(shadowMessage({ requestId: `${prefix}-${i}`, candidates: [candidate] })),
              `${prefix}-${i}`,
            ),
          ),
        );

      // Act: two batches interleave in one process.
      const [ok, throttled] = await Promise.all([
        handler(batch('conc-ok', 'slow-ok'), context),
        handler(batch('conc-thr', 'throttled'), context),
      ]);

      // Assert
      expect(ok.batchItemFailures).toEqual([]);
      expect(throttled.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
        'conc-thr-0',
        'conc-thr-1',
        'conc-thr-2',
      ]);
    } finally {
      output.restore();
    }
  });

  it('loses no record when the log append fails after the DynamoDB write: the redelivery appends it', async () => {
    // Arrange: the day's log folder cannot be created (a file is in the way), as if the
    // function had stopped between the DynamoDB write and the append.
    const day = join(WORKER_ENV.EVIDENCE_LOG_DIR, 'records', 'dt=2026-11-25');
    mkdirSync(join(WORKER_ENV.EVIDENCE_LOG_DIR, 'records'), { recursive: true });
    writeFileSync(day, 'in the way');
    const message = shadowMessage({ requestId: 'crash-1', receivedAt: '2026-11-25T08:00:00.000Z' });

    // Act 1: the first delivery writes DynamoDB, cannot append, and fails its item.
    const first = await handler(sqsEvent(sqsRecord(JSON.stringify(message), 'c1')), context);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'c1' }]);
    expect((await get('crash-1'))?.comparedAt).toBeDefined();
    expect(output.metric('EvidenceAppendFailures')).toBe(1);

    // Act 2: the folder can be written again; SQS redelivers.
    rmSync(day);
    const again = await handler(sqsEvent(sqsRecord(JSON.stringify(message), 'c1', 2)), context);

    // Assert: no second candidate call, and the stored record is in the log, read back by DuckDB.
    expect(again.batchItemFailures).toEqual([]);
    expect(modelMock.commandCalls(InvokeEndpointCommand)).toHaveLength(1);
    const engine = await DuckDbAnalysisEngine.open(WORKER_ENV.EVIDENCE_LOG_DIR, { threads: 1 });
    try {
      const rows = await engine.query(
        'SELECT requestId, candidateEndpoint, agree FROM records WHERE requestId = ?',
        ['crash-1'],
      );
      expect(rows).toEqual([{ requestId: 'crash-1', candidateEndpoint: 'churn-v2', agree: true }]);
    } finally {
      engine.close();
    }
  });
});
