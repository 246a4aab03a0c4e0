import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { toProxyEvent } from '../../local/api-server/proxy-event';
import { matchRoute, routes } from '../../local/api-server/routes';

/** One HTTP request to the API, as a caller sends it. */
export interface ApiRequest {
  /** @default 'GET' without a body, 'POST' with one */
  readonly method?: string;
  /** Path and query string, e.g. `/report?hours=2`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** @default 'dev' */
  readonly stage?: string;
  /** API Gateway's request id. @default a random UUID */
  readonly requestId?: string;
  /** @default now */
  readonly receivedAt?: Date;
}

/**
 * The REST API proxy event API Gateway sends for `request`, built by local mode's own builder
 * (local/api-server/proxy-event.ts) over local mode's route table: handler tests see what local
 * mode and API Gateway give the function, headers, path parameters and base64 bodies included.
 */
export function proxyEvent(request: ApiRequest): APIGatewayProxyEvent {
  const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
  const pathname = new URL(request.path, 'http://localhost').pathname;
  const match = matchRoute(routes, method, pathname);
  if (match.kind !== 'found') throw new Error(`no route for ${method} ${pathname}`);
  const incoming = {
    method,
    url: request.path,
    httpVersion: '1.1',
    rawHeaders: Object.entries(request.headers ?? {}).flat(),
    socket: { remoteAddress: '127.0.0.1', localPort: 3000 },
  } as unknown as IncomingMessage;
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  return toProxyEvent({
    request: incoming,
    body,
    route: match.route,
    pathParameters: match.pathParameters,
    stage: request.stage ?? 'dev',
    requestId: request.requestId ?? randomUUID(),
    receivedAt: request.receivedAt ?? new Date(),
  });
}

/** `POST /predict` with a JSON body (other headers added or overriding). */
export const predictEvent = (
  body: string,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyEvent =>
  proxyEvent({
    method: 'POST',
    path: '/predict',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });

/** The Lambda context the handlers read (name and request id). */
export const lambdaContext = (functionName: string, awsRequestId = 'lambda-req'): Context =>
  ({ functionName, awsRequestId }) as Context;
