import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type LocalSqs, startSqs } from '../../local/emulators/sqs';
import { instantEndpoint } from '../../local/model-server/models-file';
import { type ModelServer, startModelServer } from '../../local/model-server/server';
import { ROUTER_TEST_ENV } from './router-env';

/** A local endpoint serving `model` at once, never failing (override what a test needs). */
export const endpointBehaviour = instantEndpoint;

export interface RouterOnEmulators {
  readonly handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
  readonly models: ModelServer;
  readonly sqs: LocalSqs;
}

/**
 * The router as deployed against the local model server (churn-v1 serving, churn-v2 replayed) and
 * the SQS emulator, for one test file: started in its `beforeAll`, stopped in its `afterAll`.
 * `environment` adds to (or overrides) the router's.
 */
export function routerOnEmulators(
  environment: Readonly<Record<string, string>> = {},
): () => RouterOnEmulators {
  let running: RouterOnEmulators | undefined;
  beforeAll(async () => {
    const [models, sqs] = await Promise.all([
      startModelServer({
        endpoints: { 'churn-v1': endpointBehaviour('churn-v1'), 'churn-v2': endpointBehaviour('churn-v2') },
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
      ...environment,
    });
    const { handler } = await import('../../lambda/handlers/router');
    running = { handler, models, sqs };
  });
  afterAll(async () => {
    if (running !== undefined) await Promise.all([running.models.close(), running.sqs.stop()]);
  });
  return () => {
    if (running === undefined) throw new Error('the router is started in beforeAll');
    return running;
  };
}
