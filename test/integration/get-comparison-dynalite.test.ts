import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { startDynalite } from '../support/dynalite';
import { lambdaContext, proxyEvent } from '../support/proxy-events';

const TABLE = 'comparisons-read';
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startDynalite(TABLE);
  Object.assign(process.env, { TABLE_NAME: TABLE, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint }));
  await db.send(
    new PutCommand({
      TableName: TABLE,
      Item: { requestId: 'known', comparedAt: '2026-11-22T10:00:00Z', candidates: [] },
    }),
  );
  await db.send(
    new PutCommand({ TableName: TABLE, Item: { requestId: 'outcome-only', outcome: { converted: true } } }),
  );
  ({ handler } = await import('../../lambda/handlers/get-comparison'));
});
afterAll(async () => {
  db.destroy();
  await dynamo.stop();
});

const read = (requestId: string) =>
  handler(
    proxyEvent({ path: `/comparisons/${encodeURIComponent(requestId)}` }),
    lambdaContext('get-comparison'),
  );

describe('GET /comparisons/{requestId}', () => {
  it('returns the stored record', async () => {
    const response = await read('known');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      requestId: 'known',
      comparedAt: '2026-11-22T10:00:00Z',
    });
  });

  it.each([
    ['an unknown id', 'unknown', 404, 'not_found'],
    ['an id with only an outcome so far', 'outcome-only', 404, 'not_found'],
    ['an invalid id', 'bad id', 400, 'invalid_request_id'],
  ])('answers %s with %i', async (_name, id, status, code) => {
    const response = await read(id);
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).error.code).toBe(code);
  });
});
