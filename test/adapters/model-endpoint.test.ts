import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { clientErrorStatus, modelErrorCode, modelInvoker } from '../../lambda/adapters/model-endpoint';
import { LOCAL_CREDENTIALS } from '../../local/local-aws';
import type { EndpointBehaviour } from '../../local/model-server/models-file';
import { type ModelServer, startModelServer } from '../../local/model-server/server';

// The invoker against the local SageMaker-protocol model server: the SDK's real wire format for
// answers, container errors, throttling and unknown endpoints.
const behaviour = (overrides: Partial<EndpointBehaviour> = {}): EndpointBehaviour => ({
  model: 'churn-v1',
  variant: 'AllTraffic',
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorType: 'ModelError',
  throttleRate: 0,
  containerTimeoutMs: 60_000,
  ...overrides,
});
const JSON_INPUT = {
  contentType: 'application/json',
  accept: 'application/json',
  body: '{"tenure_months":4,"monthly_charges":89.5,"support_calls":3}',
  encoding: 'utf8' as const,
};

let models: ModelServer;
let client: SageMakerRuntimeClient;
beforeAll(async () => {
  models = await startModelServer({
    endpoints: {
      'churn-v1': behaviour({ variant: 'Blue' }),
      failing: behaviour({ errorRate: 1 }),
      overloaded: behaviour({ errorRate: 1, errorType: 'ServiceUnavailable' }),
      throttled: behaviour({ throttleRate: 1 }),
    },
  });
  client = new SageMakerRuntimeClient({
    endpoint: models.url,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await models.close();
});

describe('modelInvoker against the local model server', () => {
  const invoke = () => modelInvoker(client, 10_000);

  it('returns the answer as text with its content type, variant and a measured latency', async () => {
    const result = await invoke()('churn-v1', JSON_INPUT);
    expect(result).toMatchObject({
      endpoint: 'churn-v1',
      variant: 'Blue',
      status: 'ok',
      contentType: 'application/json',
      encoding: 'utf8',
    });
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ label: expect.any(String) });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('marks an input the container refuses as the caller’s mistake (client_error with its 4xx)', async () => {
    const result = await invoke()('churn-v1', { ...JSON_INPUT, body: '[1,2,3]' });
    expect(result).toMatchObject({
      status: 'client_error',
      error: { code: 'invalid_request', httpStatus: expect.any(Number) },
    });
    expect(result.error?.httpStatus).toBeGreaterThanOrEqual(400);
    expect(result.error?.httpStatus).toBeLessThan(500);
  });

  it.each([
    ['failing', 'model_error'],
    ['overloaded', 'unavailable'],
    ['throttled', 'throttled'],
    ['no-such-endpoint', 'unavailable'],
  ])('resolves a failure of %s as an error result (%s), never a rejection', async (endpoint, code) => {
    const result = await invoke()(endpoint, JSON_INPUT);
    expect(result).toMatchObject({ endpoint, status: 'error', error: { code } });
  });

  it('never puts the model’s input into an error message', async () => {
    const secret = 'customer-4711-secret';
    const result = await invoke()('failing', { ...JSON_INPUT, body: JSON.stringify({ note: secret }) });
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe('modelInvoker past its deadline', () => {
  // A server that receives the call and never answers: only the invoker's deadline can end it.
  let silent: Server;
  const received: IncomingMessage[] = [];
  beforeAll(async () => {
    silent = createServer((req) => received.push(req));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('gives up at the deadline with a timeout error', async () => {
    const port = (silent.address() as AddressInfo).port;
    const slowClient = new SageMakerRuntimeClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    const result = await modelInvoker(slowClient, 50)('churn-v1', JSON_INPUT);
    slowClient.destroy();
    expect(received).toHaveLength(1);
    expect(result).toMatchObject({ status: 'error', error: { code: 'timeout' } });
    expect(result.error?.message).toContain('exceeded its time budget');
  });
});

describe('error classification', () => {
  it.each([
    [{ name: 'ModelError', OriginalStatusCode: 400 }, 400],
    [{ name: 'ModelError', OriginalStatusCode: 422 }, 422],
    [{ name: 'ModelError', OriginalStatusCode: 408 }, undefined],
    [{ name: 'ModelError', OriginalStatusCode: 429 }, undefined],
    [{ name: 'ModelError', OriginalStatusCode: 500 }, undefined],
    [{ name: 'ValidationError', message: 'Request payload exceeds the 6 MB limit' }, 413],
    [{ name: 'ValidationError', message: 'Received malformed input' }, 400],
    [{ name: 'ValidationError', message: 'Endpoint churn-v9 of account 1 not found.' }, undefined],
    [{ name: 'ThrottlingException' }, undefined],
  ])('clientErrorStatus(%o) = %s', (error, status) => {
    expect(clientErrorStatus(error)).toBe(status);
  });

  it.each([
    [{ name: 'AbortError' }, 'timeout'],
    [{ name: 'TimeoutError' }, 'timeout'],
    [{ code: 'ETIMEDOUT' }, 'timeout'],
    [{ name: 'ThrottlingException' }, 'throttled'],
    [{ name: 'Whatever', $metadata: { httpStatusCode: 429 } }, 'throttled'],
    [{ name: 'ModelError' }, 'model_error'],
    [{ name: 'ValidationError', message: 'Endpoint x not found' }, 'unavailable'],
    [{ name: 'ServiceUnavailable' }, 'unavailable'],
    [undefined, 'unavailable'],
  ])('modelErrorCode(%o) = %s', (error, code) => {
    expect(modelErrorCode(error)).toBe(code);
  });
});
