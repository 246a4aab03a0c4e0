import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface NaiveShadowOptions {
  readonly client: SageMakerRuntimeClient;
  readonly productionEndpoint: string;
  readonly candidateEndpoint: string;
}

/**
 * The design the blog posts show: the handler calls production, then the candidate, and only
 * then answers with production's result. Deliberately minimal (no validation, metrics or
 * logging), so it is the fastest possible version of that design: whatever it loses against
 * the router is the shadow call sitting on the request path.
 */
export function naiveShadowHandler(options: NaiveShadowOptions) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const contentType = event.headers['Content-Type'] ?? event.headers['content-type'] ?? 'application/json';
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const invoke = (endpoint: string) =>
      options.client.send(
        new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: contentType, Body: body }),
      );

    const production = await invoke(options.productionEndpoint);
    try {
      await invoke(options.candidateEndpoint);
    } catch {
      // A failing candidate must not fail the caller; the articles log it and move on.
    }
    return {
      statusCode: 200,
      headers: { 'Content-Type': production.ContentType ?? 'application/octet-stream' },
      body: Buffer.from(production.Body ?? new Uint8Array()).toString('utf8'),
    };
  };
}
