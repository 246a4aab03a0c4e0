import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { type EndpointBehaviour, instantEndpoint } from '../../local/model-server/models-file';
import {
  MAX_INVOCATION_PAYLOAD_BYTES,
  type ModelServer,
  startModelServer,
} from '../../local/model-server/server';
import { waitFor } from '../support/wait-for';

const behaviour = (overrides: Partial<EndpointBehaviour> = {}) => instantEndpoint('churn-v1', overrides);

const customer = JSON.stringify({ tenure_months: 4, monthly_charges: 89.5, support_calls: 3 });

describe('local model server, called with the real SageMaker runtime client', () => {
  let server: ModelServer;
  let client: SageMakerRuntimeClient;

  beforeAll(async () => {
    server = await startModelServer({
      endpoints: {
        'churn-v1': behaviour({ variant: 'blue' }),
        broken: behaviour({ errorRate: 1 }),
        unavailable: behaviour({ errorRate: 1, errorType: 'ServiceUnavailable' }),
        internal: behaviour({ errorRate: 1, errorType: 'InternalFailure' }),
        throttled: behaviour({ throttleRate: 1 }),
        stuck: behaviour({ latencyMs: 500, containerTimeoutMs: 50 }),
        recommender: behaviour({ model: 'recommender-v1' }),
      },
    });
    client = new SageMakerRuntimeClient({ endpoint: server.url, maxAttempts: 1 });
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  const invoke = (endpoint: string, body = customer, contentType = 'application/json') =>
    client.send(new InvokeEndpointCommand({ EndpointName: endpoint, Body: body, ContentType: contentType }));

  const errorOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error as Error & { $metadata: { httpStatusCode?: number }; OriginalStatusCode?: number };
    }
    throw new Error('expected the call to fail');
  };

  it('answers with the model output, its content type and the invoked production variant', async () => {
    const output = await invoke('churn-v1');

    expect(output.ContentType).toBe('application/json');
    expect(output.InvokedProductionVariant).toBe('blue');
    const answer = JSON.parse(Buffer.from(output.Body ?? new Uint8Array()).toString('utf8'));
    expect(answer).toEqual({
      label: expect.stringMatching(/^(churn|stay)$/),
      probability: expect.any(Number),
    });
  });

  it('passes the body to the model unchanged (same input, same answer; different input, different answer)', async () => {
    const text = async (body: string) =>
      Buffer.from((await invoke('churn-v1', body)).Body ?? new Uint8Array()).toString('utf8');

    expect(await text(customer)).toBe(await text(customer));
    expect(await text(customer)).not.toBe(await text(JSON.stringify({ tenure_months: 60 })));
  });

  it('reports an unknown endpoint as a ValidationError, like SageMaker', async () => {
    const error = await errorOf(invoke('no-such-endpoint'));

    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('no-such-endpoint');
  });

  it('refuses a payload over SageMaker’s 6 MB limit with a ValidationError, and still answers the next call', async () => {
    const tooLarge = JSON.stringify({ padding: 'x'.repeat(MAX_INVOCATION_PAYLOAD_BYTES) });

    const error = await errorOf(invoke('churn-v1', tooLarge));

    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('6 MB');
    expect((await invoke('churn-v1')).InvokedProductionVariant).toBe('blue');
  });

  it('wraps a container rejection of bad input in a 424 ModelError carrying the original status', async () => {
    const notAnObject = await errorOf(invoke('churn-v1', '[1, 2]'));
    const wrongType = await errorOf(invoke('churn-v1', 'a,b', 'text/csv'));

    expect(notAnObject.name).toBe('ModelError');
    expect(notAnObject.$metadata.httpStatusCode).toBe(424);
    expect(notAnObject.OriginalStatusCode).toBe(400);
    expect(wrongType.name).toBe('ModelError');
    expect(wrongType.OriginalStatusCode).toBe(415);
  });

  it('simulates failing endpoints with the exception class SageMaker would raise', async () => {
    expect((await errorOf(invoke('broken'))).name).toBe('ModelError');
    expect((await errorOf(invoke('unavailable'))).name).toBe('ServiceUnavailable');
    expect((await errorOf(invoke('internal'))).name).toBe('InternalFailure');
  });

  it('reports a container that answers too late as a ModelError, as SageMaker does after its timeout', async () => {
    const error = await errorOf(invoke('stuck'));

    expect(error.name).toBe('ModelError');
    expect(error.message).toContain('timed out');
  });

  it('throttles with ThrottlingException, which the SDK retries', async () => {
    const retrying = new SageMakerRuntimeClient({
      endpoint: server.url,
      maxAttempts: 3,
      retryMode: 'standard',
    });
    const before = server.invocations('throttled');

    const error = await errorOf(
      retrying.send(new InvokeEndpointCommand({ EndpointName: 'throttled', Body: customer })),
    );
    retrying.destroy();

    expect(error.name).toBe('ThrottlingException');
    expect(server.invocations('throttled') - before).toBe(3);
  });

  it('serves the recommender too', async () => {
    const output = await invoke('recommender', JSON.stringify({ history: ['item-3', 'item-7'] }));

    const answer = JSON.parse(Buffer.from(output.Body ?? new Uint8Array()).toString('utf8'));
    expect(answer.items).toHaveLength(5);
    expect(answer.items).not.toContain('item-3');
  });

  it('is reached through AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, as the handlers reach it in local mode', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME;
    process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = server.url;
    const fromEnvironment = new SageMakerRuntimeClient({ maxAttempts: 1 });
    try {
      const output = await fromEnvironment.send(
        new InvokeEndpointCommand({
          EndpointName: 'churn-v1',
          Body: customer,
          ContentType: 'application/json',
        }),
      );
      expect(output.InvokedProductionVariant).toBe('blue');
    } finally {
      fromEnvironment.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME;
      else process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = previous;
    }
  });
});

describe('local model server, closing', () => {
  it('ends the calls still in their latency at once, so a stop does not wait for slow models', async () => {
    const server = await startModelServer({
      endpoints: { slow: behaviour({ latencyMs: 600_000, containerTimeoutMs: 900_000 }) },
    });
    const client = new SageMakerRuntimeClient({ endpoint: server.url, maxAttempts: 1 });
    try {
      const call = client.send(
        new InvokeEndpointCommand({ EndpointName: 'slow', Body: customer, ContentType: 'application/json' }),
      );
      const outcome = call.then(
        () => 'answered',
        () => 'cut off',
      );
      await waitFor(
        () => (server.invocations('slow') > 0 ? true : undefined),
        'the call to reach the server',
        10_000,
        5,
      );
      // Ten minutes of latency: only close() ending it lets this test finish.
      await server.close();
      expect(await outcome).toBe('cut off');
    } finally {
      client.destroy();
    }
  });
});
