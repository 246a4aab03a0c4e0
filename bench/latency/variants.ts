import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { AfterResponse } from '../../lambda/after-response/registry';
import { lambdaContext } from '../../local/lambda-runtime';
import type { Variant } from './driver';
import type { RouterHandler } from './router-instance';

/** A small pool of typical churn customers; request `seq` sends customer `seq mod 16`. */
const CUSTOMERS = Array.from({ length: 16 }, (_, i) =>
  JSON.stringify({
    tenure_months: 2 + ((i * 7) % 60),
    monthly_charges: Math.round((30 + ((i * 13.37) % 90)) * 100) / 100,
    support_calls: i % 6,
    contract_months: [1, 12, 24][i % 3],
    late_payments: i % 3,
  }),
);

function customer(seq: number): string {
  return CUSTOMERS[seq % CUSTOMERS.length] as string;
}

/** The REST API (v1) proxy event API Gateway sends for `POST /predict` (the fields the router reads). */
export function predictEvent(seq: number, requestId: string): APIGatewayProxyEvent {
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'X-Request-Id': requestId,
    'X-User-Id': `user-${seq % 5000}`,
  };
  return {
    resource: '/predict',
    path: '/predict',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: customer(seq),
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

function benchContext(name: string): Context {
  return lambdaContext(
    { name, timeoutMs: 10_000, memoryMb: 1024, region: 'us-east-1' },
    Date.now() + 86_400_000,
  );
}

/** (a) The floor: the SDK's InvokeEndpoint on the production endpoint, nothing else. */
export function directInvokeVariant(name: string, client: SageMakerRuntimeClient, endpoint: string): Variant {
  return {
    name,
    prepare: (seq) => {
      const body = Buffer.from(customer(seq));
      return async () => {
        const output = await client.send(
          new InvokeEndpointCommand({
            EndpointName: endpoint,
            ContentType: 'application/json',
            Accept: 'application/json',
            Body: body,
          }),
        );
        return { ok: output.Body !== undefined };
      };
    },
  };
}

/**
 * A Lambda handler answering `POST /predict`: the router (b, c, e) or the naive design (d).
 * With `afterResponse`, each call is followed (untimed) by waiting for the work the router left
 * running after its answer, as Lambda holds the environment until its extension says so.
 */
export function handlerVariant(
  name: string,
  handler: RouterHandler | ((event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>),
  runTag: string,
  afterResponse?: AfterResponse,
): Variant {
  const context = benchContext(name);
  return {
    name,
    prepare: (seq) => {
      const event = predictEvent(seq, `${runTag}-${name}-${seq}`);
      return async () => {
        const response = await handler(event, context);
        const shadow = response.headers?.['X-Shadow'];
        return {
          ok: response.statusCode === 200,
          ...(typeof shadow === 'string' ? { shadow } : {}),
        };
      };
    },
    ...(afterResponse === undefined
      ? {}
      : {
          afterCall: async () => {
            const answeredAt = performance.now();
            await afterResponse.idle();
            return performance.now() - answeredAt;
          },
        }),
  };
}
