import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type LocalSqs, startSqs } from '../../local/emulators/sqs';
import type { EndpointBehaviour } from '../../local/model-server/models-file';
import { type ModelServer, startModelServer } from '../../local/model-server/server';
import { captureOutput } from '../support/captured-output';
import { ROUTER_TEST_ENV } from '../support/router-env';

// The router as deployed, against the local model server (SageMaker's wire protocol, the demo
// churn model behaving like a real container) and the SQS emulator: no mocks in the path.
const churn = (model: string): EndpointBehaviour => ({
  model,
  variant: 'AllTraffic',
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorType: 'ModelError',
  throttleRate: 0,
  containerTimeoutMs: 60_000,
});

let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let models: ModelServer;
let sqs: LocalSqs;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  [models, sqs] = await Promise.all([
    startModelServer({ endpoints: { 'churn-v1': churn('churn-v1'), 'churn-v2': churn('churn-v2') } }),
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

const predict = (body: Buffer | string, contentType: string, binary = false) =>
  handler(
    {
      httpMethod: 'POST',
      path: '/predict',
      resource: '/predict',
      headers: { 'Content-Type': contentType, 'X-User-Id': 'user-1' },
      body: binary ? Buffer.from(body).toString('base64') : String(body),
      isBase64Encoded: binary,
    } as unknown as APIGatewayProxyEvent,
    { functionName: 'router', awsRequestId: 'lambda-req' } as Context,
  );

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

describe('router: what the model refuses as bad input is the caller 4xx, not a production failure', () => {
  it.each([
    ['a JSON array', '[1,2,3]', 'application/json', 400],
    ['a JSON string', '"hello"', 'application/json', 400],
    ['JSON null', 'null', 'application/json', 400],
    ['a feature of the wrong type', '{"tenure_months":"four"}', 'application/json', 400],
    ['arrays nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json', 400],
    ['text/plain', 'tenure 4 months', 'text/plain', 415],
  ])('%s: %#', async (_name, body, contentType, status) => {
    const before = sqs.depth(sqs.queue.name);
    const response = await predict(body, contentType);

    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'model_rejected_request',
        message: expect.stringMatching(/^The model rejected the request: .+/),
        requestId: expect.any(String),
      },
    });
    expect(output.metric('ProductionErrors')).toBe(0);
    expect(output.lines.join('\n')).not.toContain('"ProductionErrors"');
    expect(output.lines.join('\n')).not.toContain('"ProductionLatency"');
    expect(output.metric('ModelRejectedRequests')).toBe(1);
    expect(output.metric('ShadowSkipped')).toBe(1);
    expect(output.metric('ShadowDispatched')).toBe(0);
    expect(sqs.depth(sqs.queue.name)).toBe(before);
  });

  it.each([
    ['application/octet-stream', Buffer.from([0xde, 0xad, 0xbe, 0xef])],
    ['image/png', PNG],
  ])('a binary %s body: the 415 the container gave', async (contentType, bytes) => {
    const response = await predict(bytes, contentType, true);
    expect(response.statusCode).toBe(415);
    expect(JSON.parse(response.body).error.code).toBe('model_rejected_request');
    expect(output.metric('ProductionErrors')).toBe(0);
  });

  it('invalid UTF-8 in a JSON body is refused before any model is called', async () => {
    const calls = models.invocations('churn-v1');
    const response = await predict(
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      'application/json',
      true,
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe('invalid_encoding');
    expect(models.invocations('churn-v1')).toBe(calls);
  });

  it('a valid request is still answered and replayed (the control)', async () => {
    const before = sqs.depth(sqs.queue.name);
    const response = await predict('{"tenure_months":4,"monthly_charges":89.5}', 'application/json');
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['X-Shadow']).toBe('sampled');
    expect(output.metric('ModelRejectedRequests')).toBe(0);
    expect(sqs.depth(sqs.queue.name)).toBe(before + 1);
  });
});
