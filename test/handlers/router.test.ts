import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  SageMakerRuntimeServiceException,
} from '@aws-sdk/client-sagemaker-runtime';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { captureOutput } from '../support/captured-output';
import { lambdaContext, predictEvent } from '../support/proxy-events';
import { ROUTER_TEST_ENV } from '../support/router-env';

const modelMock = mockClient(SageMakerRuntimeClient);
const sqsMock = mockClient(SQSClient);
const context = lambdaContext('router');

let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  Object.assign(process.env, ROUTER_TEST_ENV);
  ({ handler } = await import('../../lambda/handlers/router'));
});

beforeEach(() => {
  modelMock.reset();
  sqsMock.reset();
  output = captureOutput();
});
afterEach(() => output.restore());

const predict = predictEvent;

const modelAnswers = (body: string) =>
  modelMock.on(InvokeEndpointCommand).resolves({
    Body: Buffer.from(body) as never,
    ContentType: 'application/json',
    InvokedProductionVariant: 'AllTraffic',
  });

const FEATURES = '{"tenure_months": 4, "monthly_charges": 89.5, "support_calls": 3}';

describe('router handler', () => {
  it('answers with the production model and dispatches the shadow copy', async () => {
    // Arrange
    modelAnswers('{"label":"churn","probability":0.81}');
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    // Act
    const response = await handler(
      predict(FEATURES, { 'X-Request-Id': 'req-1', 'X-User-Id': 'alice@example.com' }),
      context,
    );

    // Assert
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"label":"churn","probability":0.81}');
    expect(response.headers).toMatchObject({
      'Content-Type': 'application/json',
      'X-Request-Id': 'req-1',
      'X-Served-Variant': 'production',
      'X-Shadow': 'sampled',
    });
    expect(modelMock).toHaveReceivedCommandTimes(InvokeEndpointCommand, 1);
    expect(modelMock).toHaveReceivedCommandWith(InvokeEndpointCommand, {
      EndpointName: 'churn-v1',
      ContentType: 'application/json',
    });
    const sent = JSON.parse(sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!);
    expect(sent).toMatchObject({
      v: 2,
      requestId: 'req-1',
      servedVariant: 'production',
      candidates: ['churn-v2'],
      request: { body: FEATURES, contentType: 'application/json' },
      served: { endpoint: 'churn-v1', status: 'ok', variant: 'AllTraffic' },
    });
    expect(sent.userKey).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(sent)).not.toContain('alice@example.com');
    expect(output.metric('ShadowDispatched')).toBe(1);
  });

  it.each([
    ['a model error', new ModelError({ message: 'boom', $metadata: {} }), 502, 'model_error'],
    [
      'throttling',
      new SageMakerRuntimeServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
      429,
      'throttled',
    ],
    ['a timeout', Object.assign(new Error('aborted'), { name: 'AbortError' }), 504, 'model_timeout'],
  ])('maps %s to %i with the JSON error shape', async (_name, error, status, code) => {
    modelMock.on(InvokeEndpointCommand).rejects(error);
    sqsMock.on(SendMessageCommand).resolves({});

    const response = await handler(predict(FEATURES, { 'X-Request-Id': 'req-err' }), context);

    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body)).toEqual({
      error: { code, message: expect.any(String), requestId: 'req-err' },
    });
    expect(response.headers).toMatchObject({ 'X-Request-Id': 'req-err' });
    expect(output.metric('ProductionErrors')).toBe(1);
  });

  it('gives 504 when the model does not answer within the budget', async () => {
    modelMock.on(InvokeEndpointCommand).callsFake(
      (_input, getClient) =>
        new Promise(() => {
          void getClient;
        }),
    );
    const started = Date.now();
    const response = await handler(predict(FEATURES), context);
    expect(response.statusCode).toBe(504);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('still answers 200 when the queue fails, and counts the failure', async () => {
    modelAnswers('{"label":"stay","probability":0.2}');
    sqsMock
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('queue down'), { name: 'QueueDoesNotExist' }));

    const response = await handler(predict(FEATURES), context);

    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"label":"stay","probability":0.2}');
    expect(response.headers?.['X-Shadow']).toBe('skipped');
    expect(output.metric('ShadowDispatchFailed')).toBe(1);
  });

  it('does not let a hanging queue hold the caller past the dispatch budget', async () => {
    modelAnswers('{"label":"stay","probability":0.2}');
    sqsMock.on(SendMessageCommand).callsFake(() => new Promise(() => undefined));

    const response = await handler(predict(FEATURES), context);

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['X-Shadow']).toBe('skipped');
    expect(output.metric('ShadowDispatchLate')).toBe(1);
    expect(output.metric('ShadowDispatchFailed')).toBe(0);
    expect(output.text()).toContain('shadow dispatch not confirmed within budget');
  });

  it.each([
    ['malformed JSON', predict('{"tenure_months":'), 400],
    ['an invalid request id', predict(FEATURES, { 'X-Request-Id': 'no spaces allowed' }), 400],
    ['an unsupported content type', predict('<x/>', { 'Content-Type': 'application/xml' }), 415],
    ['an oversized body', predict(`"${'x'.repeat(5_000_001)}"`), 413],
  ])('rejects %s with %i and never calls a model or the queue', async (_name, event, status) => {
    const response = await handler(event, context);
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).error.code).toEqual(expect.any(String));
    expect(modelMock).toHaveReceivedCommandTimes(InvokeEndpointCommand, 0);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it('writes neither the payload nor the raw user id to its logs', async () => {
    modelAnswers('{"label":"churn","probability":0.99,"secret":"model-output-xyz"}');
    sqsMock.on(SendMessageCommand).rejects(new Error('queue down'));
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

    await handler(predict('{"ssn":"123-45-6789"}', { 'X-User-Id': 'bob.secret@example.com' }), context);
    modelMock
      .on(InvokeEndpointCommand)
      .rejects(new ModelError({ message: 'input {"ssn":"123-45-6789"} broke', $metadata: {} }));
    await handler(predict('{"ssn":"123-45-6789"}', { 'X-User-Id': 'bob.secret@example.com' }), context);

    const logs = output.text();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of ['123-45-6789', 'bob.secret@example.com', 'model-output-xyz'])
      expect(logs).not.toContain(secret);
  });
});
