import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type LocalSqs, startSqs } from '../../local/emulators/sqs';
import { type ModelServer, startModelServer } from '../../local/model-server/server';
import { captureOutput } from '../support/captured-output';
import { ROUTER_TEST_ENV } from '../support/router-env';

// A stage that declares its input contract: the router checks it before calling any model.
const CONTRACT = {
  type: 'object',
  required: ['tenure_months'],
  additionalProperties: false,
  properties: {
    tenure_months: { type: 'number', minimum: 0 },
    monthly_charges: { type: 'number', minimum: 0 },
    support_calls: { type: 'integer', minimum: 0 },
  },
};

let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let models: ModelServer;
let sqs: LocalSqs;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  const churn = {
    variant: 'AllTraffic',
    latencyMs: 0,
    jitterMs: 0,
    errorRate: 0,
    errorType: 'ModelError' as const,
    throttleRate: 0,
    containerTimeoutMs: 60_000,
  };
  [models, sqs] = await Promise.all([
    startModelServer({
      endpoints: { 'churn-v1': { ...churn, model: 'churn-v1' }, 'churn-v2': { ...churn, model: 'churn-v2' } },
    }),
    startSqs({
      region: 'us-east-1',
      queueName: 'shadow',
      deadLetterQueueName: 'shadow-dlq',
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 3,
    }),
  ]);
  Object.assign(process.env, ROUTER_TEST_ENV, {
    MODEL_TIMEOUT_MS: '5000',
    DISPATCH_BUDGET_MS: '1000',
    SHADOW_QUEUE_URL: sqs.queue.url,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: models.url,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    INPUT_SCHEMA: JSON.stringify(CONTRACT),
  });
  ({ handler } = await import('../../lambda/handlers/router'));
});
afterAll(async () => {
  await Promise.all([models.close(), sqs.stop()]);
});
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

const predict = (body: string, contentType = 'application/json') =>
  handler(
    {
      httpMethod: 'POST',
      path: '/predict',
      resource: '/predict',
      headers: { 'Content-Type': contentType, 'X-Request-Id': 'contract-1' },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent,
    { functionName: 'router', awsRequestId: 'lambda-req' } as Context,
  );

describe('router with an input contract: 400 before any model is called, nothing counted against one', () => {
  it.each([
    ['[1,2,3]', '$ must be object, got array'],
    ['"hello"', '$ must be object, got string "hello"'],
    ['null', '$ must be object, got null'],
    ['{"tenure_months":"four"}', '$.tenure_months must be number, got string "four"'],
    ['{"monthly_charges":10}', '$ must have property "tenure_months"'],
    ['{"tenure_months":4,"age":30}', '$ must not have property "age"'],
  ])('%s', async (body, violation) => {
    const calls = models.invocations('churn-v1') + models.invocations('churn-v2');
    const depth = sqs.depth(sqs.queue.name);

    const response = await predict(body);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'invalid_input',
        message: `The request does not match this API's input contract: ${violation}`,
        requestId: 'contract-1',
      },
    });
    expect(models.invocations('churn-v1') + models.invocations('churn-v2')).toBe(calls);
    expect(sqs.depth(sqs.queue.name)).toBe(depth);
    expect(output.metric('RejectedRequests')).toBe(1);
    for (const metric of ['PredictRequests', 'ProductionErrors', 'ProductionLatency', 'ShadowSampled'])
      expect(output.text()).not.toContain(`"${metric}"`);
  });

  it('refuses a non-JSON content type with 415: the contract is JSON', async () => {
    const response = await predict('tenure=4', 'text/plain');
    expect(response.statusCode).toBe(415);
    expect(JSON.parse(response.body).error.message).toContain('input contract is JSON');
  });

  it('passes a body that meets the contract to the model unchanged', async () => {
    const response = await predict('{"tenure_months":4,"support_calls":3}');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ label: expect.any(String) });
  });
});
