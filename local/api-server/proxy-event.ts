import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../local-aws';
import { appendHeader, callerKeyedMap, hasHeader, type MultiValueHeaders } from './headers';
import type { RouteDefinition } from './routes';

export interface ProxyEventInput {
  readonly request: IncomingMessage;
  readonly body: Buffer;
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string>;
  readonly stage: string;
  /** API Gateway's request id (`requestContext.requestId`, `x-amzn-RequestId`). */
  readonly requestId: string;
  readonly receivedAt: Date;
}

/** Bodies API Gateway passes as text; anything else goes base64-encoded (binary media types). */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/javascript'
  );
}

/** Builds the REST API (v1) Lambda proxy event API Gateway would send for this request. */
export function toProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const { request, body, route, stage, requestId, receivedAt } = input;
  const url = new URL(request.url ?? '/', 'http://localhost');
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const { headers, multiValueHeaders } = gatewayHeaders(request, sourceIp);
  const { single: queryStringParameters, multi: multiValueQueryStringParameters } = queryParameters(url);
  const contentType = headerOf(headers, 'content-type');
  const text = isTextContentType(contentType);
  const host = headerOf(headers, 'host') ?? 'localhost';
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: request.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    pathParameters: Object.keys(input.pathParameters).length > 0 ? input.pathParameters : null,
    stageVariables: null,
    body: body.length === 0 ? null : text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !text,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      authorizer: null,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      extendedRequestId: randomBytes(8).toString('base64url'),
      httpMethod: request.method ?? 'GET',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent: headerOf(headers, 'user-agent') ?? null,
        userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      protocol: `HTTP/${request.httpVersion}`,
      requestId,
      requestTime: clfTime(receivedAt),
      requestTimeEpoch: receivedAt.getTime(),
      resourceId: 'local',
      resourcePath: route.resource,
      stage,
    },
  };
}

/**
 * Headers as sent (API Gateway keeps the caller's spelling; the last value wins in `headers`),
 * plus the forwarding headers API Gateway adds.
 */
function gatewayHeaders(request: IncomingMessage, sourceIp: string) {
  const multiValueHeaders: MultiValueHeaders = callerKeyedMap();
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) appendHeader(multiValueHeaders, raw[i] ?? '', raw[i + 1] ?? '');
  const add = (name: string, value: string) => {
    if (!hasHeader(multiValueHeaders, name)) multiValueHeaders[name] = [value];
  };
  add('X-Forwarded-For', sourceIp);
  add('X-Forwarded-Proto', 'http');
  add('X-Forwarded-Port', String(request.socket.localPort ?? ''));
  add(
    'X-Amzn-Trace-Id',
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
  );
  const headers = callerKeyedMap<string>();
  for (const [name, values] of Object.entries(multiValueHeaders))
    headers[name] = values[values.length - 1] ?? '';
  return { headers, multiValueHeaders };
}

function queryParameters(url: URL) {
  const multi = callerKeyedMap<string[]>();
  for (const [name, value] of url.searchParams) multi[name] = [...(multi[name] ?? []), value];
  if (Object.keys(multi).length === 0) return { single: null, multi: null };
  const single = callerKeyedMap<string>();
  for (const [name, values] of Object.entries(multi)) single[name] = values[values.length - 1] ?? '';
  return { single, multi };
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.requestTime` format: `09/Apr/2015:12:34:56 +0000`. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
