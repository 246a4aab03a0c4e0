import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { closeServer, listen, readBody } from '../http-server';
import { invokeFunction, type LambdaHandler, type LocalFunction } from '../lambda-runtime';
import { toProxyEvent } from './proxy-event';
import { checkProxyResult, writeProxyResult } from './proxy-result';
import { matchRoute, type RouteDefinition } from './routes';

/** API Gateway's payload limit: larger requests never reach the function. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Lambda's limit on a synchronous invocation's event: larger events fail the integration. */
export const LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024;

/**
 * How long a client may take to send a whole request (headers and body) before it gets a 408
 * and its socket is closed. API Gateway gives up on a slow client well before its 29 s
 * integration timeout; a held body must not keep a socket (and a reader) forever.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export type ProxyHandler = LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;

export interface RouteTarget {
  readonly function: LocalFunction;
  readonly handler: ProxyHandler;
}

export interface ApiServerOptions {
  readonly routes: readonly RouteDefinition[];
  /** The function behind each route, by the route's `handler` name. */
  readonly targets: Readonly<Record<string, RouteTarget>>;
  /** @default 3000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** API Gateway stage name in events. @default 'local' */
  readonly stage?: string;
  /** Time a client has to send its whole request. @default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Why the integration failed, when it did (never the payload). */
  readonly integrationError?: string;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  /** Requests received and not yet answered. */
  inFlight(): number;
  /** Stops accepting connections and resolves once every request in flight was answered. */
  close(): Promise<void>;
}

/**
 * An HTTP server that plays API Gateway (REST API, Lambda proxy integration) for local mode:
 * requests become proxy events for the same handlers the stack deploys, and their results
 * become HTTP responses. Gateway-level errors use the API's JSON error shape.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  for (const route of options.routes) {
    if (!options.targets[route.handler])
      throw new Error(`no handler "${route.handler}" for ${route.resource}`);
  }
  const stage = options.stage ?? 'local';
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let inFlight = 0;
  const server: Server = createServer(
    {
      requestTimeout,
      headersTimeout: requestTimeout,
      // Node checks the timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1000, requestTimeout),
      // Longer than clients keep an idle connection (undici: 4 s), so the client closes it first;
      // with Node's 5 s a reused connection could be closed under a loaded client's request.
      keepAliveTimeout: 65_000,
    },
    (req, res) => {
      inFlight++;
      res.once('close', () => inFlight--);
      handle(req, res).catch((error) => {
        if (!res.headersSent) sendGatewayError(res, 500, 'internal_error', 'Internal server error', null);
        else res.destroy(error as Error);
      });
    },
  );
  // Node answers malformed or oversized requests and timeouts itself, with an empty body;
  // these carry the API's JSON error shape instead.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => sendClientError(error, socket));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const log = (status: number, headers: Record<string, string> = {}, integrationError?: string) =>
      options.onRequest?.({
        method: req.method ?? 'GET',
        path,
        status,
        durationMs: Date.now() - started,
        headers,
        ...(integrationError === undefined ? {} : { integrationError }),
      });

    if (declaredLength(req) > API_GATEWAY_MAX_BODY_BYTES) {
      // Answered before a byte is read: the body may never come. What does come is discarded, so
      // a client still uploading reads the 413; one that never sends it is cut off at the
      // request timeout.
      req.resume();
      answeredEarly.add(req.socket);
      sendGatewayError(res, 413, 'payload_too_large', 'Request body exceeds the 10 MB API limit', requestId);
      return log(413);
    }
    const body = await readBody(req, API_GATEWAY_MAX_BODY_BYTES);
    if (body === undefined) {
      sendGatewayError(res, 413, 'payload_too_large', 'Request body exceeds the 10 MB API limit', requestId);
      return log(413);
    }
    const match = matchRoute(options.routes, req.method ?? 'GET', path);
    if (match.kind === 'not-found') {
      sendGatewayError(res, 404, 'not_found', `No route for ${req.method} ${path}`, requestId);
      return log(404);
    }
    if (match.kind === 'wrong-method') {
      sendGatewayError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${path}`, requestId, {
        Allow: match.allowed.join(', '),
      });
      return log(405);
    }
    const target = options.targets[match.route.handler] as RouteTarget;
    const built = toProxyEvent({
      request: req,
      body,
      route: match.route,
      pathParameters: match.pathParameters,
      stage,
      requestId,
      receivedAt: new Date(started),
    });
    let result: APIGatewayProxyResult;
    try {
      // The function gets the event as Lambda delivers it: serialized and parsed again.
      const serialized = JSON.stringify(built);
      if (Buffer.byteLength(serialized) > LAMBDA_MAX_EVENT_BYTES) {
        throw new Error('the event exceeds the 6 MB Lambda invocation payload limit');
      }
      const event = JSON.parse(serialized) as APIGatewayProxyEvent;
      result = checkProxyResult(await invokeFunction(target.function, target.handler, event));
    } catch (error) {
      // API Gateway answers a failed integration (throw, timeout, bad result) with a 502.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      sendGatewayError(res, 502, 'internal_error', 'Internal server error', requestId);
      return log(502, {}, reason);
    }
    writeProxyResult(res, result, {
      'x-amzn-RequestId': requestId,
      // API Gateway's extended request id, the one the function saw.
      'x-amz-apigw-id': built.requestContext.extendedRequestId ?? '',
    });
    return log(result.statusCode, flatHeaders(result));
  }

  const port = await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  return {
    url: `http://localhost:${port}`,
    port,
    inFlight: () => inFlight,
    close: () => closeServer(server),
  };
}

/** The Content-Length the client announced (0 when absent or chunked). */
function declaredLength(req: IncomingMessage): number {
  const header = req.headers['content-length'];
  return header === undefined ? 0 : Number(header);
}

/** Sockets whose request was answered before its body arrived: a later timeout only closes them. */
const answeredEarly = new WeakSet<Socket>();

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, string, string]>> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'Request headers are too large',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request_timeout',
    'The request was not received in time',
  ],
  ERR_HTTP_HEADERS_TIMEOUT: [
    408,
    'Request Timeout',
    'request_timeout',
    'The request headers were not received in time',
  ],
};

/**
 * Answers what Node's parser refused (malformed request, headers too large, timeout) as Node
 * would, with the JSON error body. Nothing is written when an answer had already started.
 */
function sendClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent && !answeredEarly.has(socket)) {
    const [status, reason, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
      400,
      'Bad Request',
      'bad_request',
      'The request is not valid HTTP',
    ];
    const body = JSON.stringify({ error: { code, message, requestId: null } });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function flatHeaders(result: APIGatewayProxyResult): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  return headers;
}

function sendGatewayError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string | null,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { code, message, requestId } });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    ...(requestId ? { 'x-amzn-RequestId': requestId } : {}),
  });
  res.end(body);
}
