import { createServer, type Server, type Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parseModelsFile } from '../../local/model-server/models-file';
import { type ModelServer, startModelServer } from '../../local/model-server/server';
import { captureOutput } from '../support/captured-output';
import { lambdaContext, predictEvent } from '../support/proxy-events';
import { waitFor } from '../support/wait-for';

/**
 * The real router against the local SageMaker-protocol model server, with the shadow queue
 * unreachable in the two ways that matter: refused at once, or accepting and never answering.
 */
describe.each([
  ['refuses connections', 'refuse'],
  ['accepts connections and never answers', 'blackhole'],
] as const)('a shadow queue that %s', (_name, mode) => {
  let models: ModelServer;
  let queue: Server | undefined;
  const sockets: Socket[] = [];
  let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

  beforeAll(async () => {
    const { endpoints } = parseModelsFile({
      production: 'churn-v1',
      candidates: ['churn-v2'],
      endpoints: {
        'churn-v1': { model: 'churn-v1', latencyMs: 5 },
        'churn-v2': { model: 'churn-v2', latencyMs: 5 },
      },
    });
    models = await startModelServer({ endpoints });
    let queueUrl = 'http://127.0.0.1:9/000000000000/shadow';
    if (mode === 'blackhole') {
      queue = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => queue?.listen(0, '127.0.0.1', resolve));
      const { port } = queue.address() as { port: number };
      queueUrl = `http://127.0.0.1:${port}/000000000000/shadow`;
    }
    jest.resetModules();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: models.url,
      AWS_ENDPOINT_URL_SQS: new URL(queueUrl).origin,
      PRODUCTION_ENDPOINT: 'churn-v1',
      CANDIDATE_ENDPOINTS: 'churn-v2',
      SHADOW_QUEUE_URL: queueUrl,
      SHADOW_SAMPLE_RATE: '1',
      USER_KEY_SALT: 'salt',
      DISPATCH_BUDGET_MS: '100',
      POWERTOOLS_SERVICE_NAME: 'shadow-rollout-test',
    });
    delete process.env.RUNTIME_CONFIG_TABLE;
    ({ handler } = await import('../../lambda/handlers/router'));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (queue ? queue.close(() => resolve()) : resolve()));
    await models.close();
  });

  it('still answers every caller with the production model, and counts each unconfirmed dispatch', async () => {
    const output = captureOutput();
    try {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          handler(
            predictEvent(JSON.stringify({ tenure_months: i }), { 'x-request-id': `q-${i}` }),
            lambdaContext('router'),
          ),
        ),
      );

      for (const response of responses) {
        expect(response.statusCode).toBe(200);
        expect(JSON.parse(response.body)).toMatchObject({
          label: expect.any(String),
          probability: expect.any(Number),
        });
        expect(response.headers?.['X-Shadow']).toBe('skipped');
      }
      // Refused: every send fails, within the budget or after it was counted late (the SDK's retry
      // after ECONNREFUSED may outlast the budget on a loaded machine); either way it is counted
      // failed exactly once when it settles. Blackholed: never confirmed, so always late, and the
      // send is left to finish rather than aborted.
      if (mode === 'refuse') {
        await waitFor(
          () => (output.metric('ShadowDispatchFailed') >= 10 ? true : undefined),
          'every refused send to be counted as failed',
          30_000,
        );
        expect(output.metric('ShadowDispatchFailed')).toBe(10);
      } else {
        expect(output.metric('ShadowDispatchLate')).toBe(10);
      }
      expect(output.metric('ShadowDispatched')).toBe(0);
    } finally {
      output.restore();
    }
  });
});
