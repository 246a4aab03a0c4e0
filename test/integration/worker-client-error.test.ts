import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { labelReader } from '../../lambda/core/comparators/predicted-label';
import type { ComparisonRecord } from '../../lambda/core/comparison-record';
import { recordLines } from '../../lambda/core/evidence/record-lines';
import { stages } from '../../lib/config/stages';
import { type ModelServer, startModelServer } from '../../local/model-server/server';
import { captureOutput } from '../support/captured-output';
import { startDynalite } from '../support/dynalite';
import { aggregatesOfLines } from '../support/report';
import { shadowMessage, sqsEvent, sqsRecord, WORKER_ENV } from '../support/shadow-messages';

// The worker as deployed, against the local model server (the candidate behaves like a real
// container) and dynalite: a replayed input the candidate refuses is a client error.
const context = { functionName: 'worker', awsRequestId: 'lambda-req' } as Context;
const TABLE = WORKER_ENV.TABLE_NAME;

let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let db: DynamoDBDocumentClient;
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let models: ModelServer;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  [dynamo, models] = await Promise.all([
    startDynalite(TABLE),
    startModelServer({
      endpoints: {
        'churn-v2': {
          model: 'churn-v2',
          variant: 'AllTraffic',
          latencyMs: 0,
          jitterMs: 0,
          errorRate: 0,
          errorType: 'ModelError',
          throttleRate: 0,
          containerTimeoutMs: 60_000,
        },
      },
    }),
  ]);
  Object.assign(process.env, WORKER_ENV, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: models.url,
  });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint }));
  ({ handler } = await import('../../lambda/handlers/worker'));
});
afterAll(async () => {
  db.destroy();
  await Promise.all([dynamo.stop(), models.close()]);
});
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

const get = async (requestId: string) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { requestId } }))).Item as ComparisonRecord;

const replay = async (requestId: string, body: string) => {
  const message = shadowMessage({
    requestId,
    request: { contentType: 'application/json', accept: '', body, encoding: 'utf8' },
  });
  return handler(sqsEvent(sqsRecord(JSON.stringify(message), requestId)), context);
};

describe('worker: a candidate that refuses the replayed input as invalid', () => {
  it('records a client error, compares nothing, and counts no candidate failure', async () => {
    const response = await replay('refused-1', '{"tenure_months":"four"}');

    expect(response.batchItemFailures).toEqual([]);
    const record = await get('refused-1');
    expect(record.candidates).toEqual([
      {
        endpoint: 'churn-v2',
        result: expect.objectContaining({
          status: 'client_error',
          error: expect.objectContaining({ code: 'invalid_request', httpStatus: 400 }),
        }),
      },
    ]);
    expect(output.metric('CandidateClientErrors')).toBe(1);
    expect(output.text()).not.toContain('"CandidateErrors"');
    expect(output.text()).not.toContain('"Agreement"');
    expect(output.text()).not.toContain('"CandidateLatency"');
    expect(output.metric('CandidateInvocations')).toBe(1);
  });

  it('leaves the pair out of the evidence: neither a candidate error nor a comparison', async () => {
    await replay('accepted-1', '{"tenure_months":4,"monthly_charges":89.5,"support_calls":3}');
    await replay('refused-2', '[1,2,3]');
    const records = [await get('accepted-1'), await get('refused-2')];

    // The stored items as the evidence log gets them, aggregated as the report's SQL does.
    const labelOf = labelReader(stages.dev.shadow.comparator);
    const lines = records.flatMap((record) => recordLines(record, labelOf));
    const aggregates = aggregatesOfLines(lines, [], {
      experiment: {
        id: lines[0]?.experiment ?? '',
        since: new Date(0).toISOString(),
        until: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });

    expect(aggregates.candidateCalls).toMatchObject({ calls: 1, errors: 0, clientErrors: 1 });
    expect(aggregates.shadow).toMatchObject({ pairs: 1, comparisons: 1 });
    expect(aggregates.shadow.errors).toEqual({ n00: 1, n01: 0, n10: 0, n11: 0 });
  });
});
