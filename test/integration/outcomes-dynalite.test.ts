import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { captureOutput } from '../support/captured-output';
import { startDynalite } from '../support/dynalite';
import { lambdaContext, proxyEvent } from '../support/proxy-events';
import { shadowMessage, sqsEvent, sqsRecord, WORKER_ENV } from '../support/shadow-messages';

const modelMock = mockClient(SageMakerRuntimeClient);
const TABLE = WORKER_ENV.TABLE_NAME;
type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

let outcomes: ApiHandler;
let worker: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let db: DynamoDBDocumentClient;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  dynamo = await startDynalite(TABLE);
  Object.assign(process.env, WORKER_ENV, { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint }));
  ({ handler: outcomes } = await import('../../lambda/handlers/outcomes'));
  ({ handler: worker } = await import('../../lambda/handlers/worker'));
});
afterAll(async () => {
  db.destroy();
  await dynamo.stop();
});
beforeEach(() => {
  modelMock.reset();
  modelMock.on(InvokeEndpointCommand).resolves({
    Body: Buffer.from('{"label":"churn","probability":0.8}') as never,
    ContentType: 'application/json',
  });
  output = captureOutput();
});
afterEach(() => output.restore());

const post = (body: unknown) =>
  outcomes(
    proxyEvent({
      path: '/outcomes',
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
    lambdaContext('outcomes'),
  );
const compare = (requestId: string, servedVariant: 'production' | 'canary' = 'production') =>
  worker(
    sqsEvent(
      sqsRecord(
        JSON.stringify(
          shadowMessage({
            requestId,
            servedVariant,
            candidates: servedVariant === 'canary' ? [] : ['churn-v2'],
          }),
        ),
        requestId,
      ),
    ),
    {} as Context,
  );
const get = async (requestId: string) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { requestId } }))).Item;

describe('POST /outcomes against DynamoDB (dynalite)', () => {
  it('joins an outcome posted after the comparison, and counts the conversion for the served variant', async () => {
    await compare('after-1');
    const response = await post({ requestId: 'after-1', converted: true, value: 12.5 });

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ requestId: 'after-1', status: 'joined' });
    const item = await get('after-1');
    expect(item?.outcome).toMatchObject({ converted: true, value: 12.5 });
    expect(item?.candidates[0].comparison.agree).toBe(true);
    expect(output.metric('ProductionOutcomes')).toBe(1);
    expect(output.metric('ProductionConversions')).toBe(1);
  });

  it('joins an outcome posted before the comparison, counting it once when the record arrives', async () => {
    const response = await post({ requestId: 'before-1', converted: false, label: 'stay' });
    expect(JSON.parse(response.body).status).toBe('pending');
    expect(output.metric('CanaryOutcomes')).toBe(0);

    await compare('before-1', 'canary');

    const item = await get('before-1');
    expect(item?.outcome).toMatchObject({ converted: false, label: 'stay' });
    expect(item?.servedVariant).toBe('canary');
    expect(item?.comparedAt).toEqual(expect.any(String));
    expect(output.metric('CanaryOutcomes')).toBe(1);
    expect(output.metric('CanaryConversions')).toBe(0);
  });

  it('is idempotent: a repeated post changes nothing and is not counted again', async () => {
    await compare('repeat-1');
    await post({ requestId: 'repeat-1', converted: true });
    const again = await post({ requestId: 'repeat-1', converted: false });

    expect(JSON.parse(again.body).status).toBe('duplicate');
    expect((await get('repeat-1'))?.outcome.converted).toBe(true);
    expect(output.metric('ProductionOutcomes')).toBe(1);
  });

  it('measures label accuracy per model when a labelled outcome joins, in either order', async () => {
    // production (churn-v1) answered "churn" in the message; the candidate answers "churn" too.
    await compare('label-after');
    await post({ requestId: 'label-after', label: 'churn' });
    await post({ requestId: 'label-before', label: 'stay' });
    await compare('label-before');

    // After: both right (1 + 1). Before: both wrong (0 + 0). Two observations each.
    const ratios = (name: string) =>
      output.lines
        .filter((l) => l.includes('"_aws"'))
        .map((l) => JSON.parse(l)[name])
        .filter((v) => v !== undefined)
        .flat();
    expect(ratios('ProductionLabelCorrect')).toEqual([1, 0]);
    expect(ratios('CandidateLabelCorrect')).toEqual([1, 0]);
  });

  describe('fields merge first-wins per field, in any order, before or after the comparison', () => {
    const ratios = (name: string) =>
      output.lines
        .filter((l) => l.includes('"_aws"'))
        .flatMap((l) => JSON.parse(l)[name] ?? [])
        .flat();

    it('keeps a label that follows a conversion (and counts each once)', async () => {
      await compare('label-follows');
      const first = await post({ requestId: 'label-follows', converted: true });
      const second = await post({ requestId: 'label-follows', label: 'churn' });

      expect(JSON.parse(first.body)).toEqual({ requestId: 'label-follows', status: 'joined' });
      expect(JSON.parse(second.body)).toEqual({ requestId: 'label-follows', status: 'joined' });
      expect((await get('label-follows'))?.outcome).toMatchObject({ converted: true, label: 'churn' });
      expect(output.metric('ProductionOutcomes')).toBe(1);
      expect(ratios('ProductionConversions')).toEqual([1]);
      expect(ratios('ProductionLabelCorrect')).toEqual([1]);
    });

    it('stores the new fields of a post and keeps (and names) the ones already set', async () => {
      await post({ requestId: 'partly-kept', converted: true });
      const response = await post({ requestId: 'partly-kept', converted: false, value: 30 });

      expect(JSON.parse(response.body)).toEqual({
        requestId: 'partly-kept',
        status: 'pending',
        kept: ['converted'],
      });
      expect((await get('partly-kept'))?.outcome).toMatchObject({ converted: true, value: 30 });
    });

    it('merges concurrent posts of different fields', async () => {
      await compare('concurrent');
      await Promise.all([
        post({ requestId: 'concurrent', converted: false }),
        post({ requestId: 'concurrent', value: 7 }),
        post({ requestId: 'concurrent', label: 'stay' }),
      ]);
      expect((await get('concurrent'))?.outcome).toMatchObject({ converted: false, value: 7, label: 'stay' });
      expect(output.metric('ProductionOutcomes')).toBe(1);
      expect(ratios('ProductionConversions')).toEqual([0]);
      expect(ratios('ProductionLabelCorrect')).toEqual([0]);
    });

    // Every order of three single-field posts (and a repeat with another value), with the
    // comparison arriving at every position among them.
    const posts = [{ converted: true }, { value: 12 }, { label: 'churn' }] as const;
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    const cases = orders.flatMap((order) => [0, 1, 2, 3].map((at) => [order, at] as const));
    it.each(cases)('posts in order %j, comparison after %i of them', async (order, at) => {
      const id = `order-${order.join('')}-${at}`;
      for (const [i, index] of order.entries()) {
        if (i === at) await compare(id);
        await post({ requestId: id, ...posts[index] });
      }
      if (at === 3) await compare(id);
      const repeat = await post({ requestId: id, converted: false, value: 99, label: 'stay' });

      expect(JSON.parse(repeat.body).status).toBe('duplicate');
      expect((await get(id))?.outcome).toMatchObject({ converted: true, value: 12, label: 'churn' });
      expect(output.metric('ProductionOutcomes')).toBe(1);
      expect(ratios('ProductionConversions')).toEqual([1]);
      expect(ratios('ProductionLabelCorrect')).toEqual([1]);
      expect(ratios('CandidateLabelCorrect')).toEqual([1]);
    });
  });

  it.each([
    ['malformed JSON', '{"requestId":'],
    ['a non-object', '[1,2]'],
    ['a missing request id', { converted: true }],
    ['an invalid request id', { requestId: 'has space', converted: true }],
    ['converted that is not a boolean', { requestId: 'r', converted: 'yes' }],
    ['a non-finite value', '{"requestId":"r","value":1e999}'],
    ['no outcome at all', { requestId: 'r' }],
    ['an unknown field', { requestId: 'r', converted: true, extra: 1 }],
  ])('rejects %s with 400 and stores nothing', async (_name, body) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatchObject({
      code: expect.any(String),
      message: expect.any(String),
    });
    expect(await get('r')).toBeUndefined();
  });
});
