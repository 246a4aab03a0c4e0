import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { matchRoute, type RouteDefinition, routes as shippedRoutes } from '../../local/api-server/routes';
import { type ApiServer, type ProxyHandler, startApiServer } from '../../local/api-server/server';

const routes: readonly RouteDefinition[] = [
  { method: 'POST', resource: '/predict', handler: 'router' },
  { method: 'GET', resource: '/comparisons/{requestId}', handler: 'get-comparison' },
];

const fn = (name: string) => ({ name, timeoutMs: 2000, memoryMb: 512, region: 'us-east-1' });

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string | string[]> = {},
  body?: Buffer | string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.end(body);
  });
}

describe('local API server (API Gateway REST proxy integration)', () => {
  let api: ApiServer;
  const events: APIGatewayProxyEvent[] = [];
  const contexts: Context[] = [];
  let nextResult: APIGatewayProxyResult | Error = { statusCode: 200, body: '{}' };

  const recording: ProxyHandler = async (event, context) => {
    events.push(event);
    contexts.push(context);
    if (nextResult instanceof Error) throw nextResult;
    return nextResult;
  };

  beforeAll(async () => {
    api = await startApiServer({
      port: 0,
      routes,
      targets: {
        router: { function: fn('local-router'), handler: recording },
        'get-comparison': { function: fn('local-get-comparison'), handler: recording },
      },
    });
  });

  afterAll(() => api.close());

  beforeEach(() => {
    events.length = 0;
    contexts.length = 0;
    nextResult = { statusCode: 200, body: '{}' };
  });

  it('turns POST /predict into a REST API proxy event', async () => {
    // Act
    await send(
      api.url,
      'POST',
      '/predict?debug=1&tag=a&tag=b',
      { 'Content-Type': 'application/json', 'X-User-Id': 'user-7', 'X-Multi': ['one', 'two'] },
      '{"tenure_months": 4}',
    );

    // Assert
    const event = events[0] as APIGatewayProxyEvent;
    expect(event).toMatchObject({
      resource: '/predict',
      path: '/predict',
      httpMethod: 'POST',
      body: '{"tenure_months": 4}',
      isBase64Encoded: false,
      pathParameters: null,
      queryStringParameters: { debug: '1', tag: 'b' },
      multiValueQueryStringParameters: { debug: ['1'], tag: ['a', 'b'] },
      requestContext: {
        stage: 'local',
        httpMethod: 'POST',
        resourcePath: '/predict',
        path: '/local/predict',
        identity: { sourceIp: '127.0.0.1' },
      },
    });
    // API Gateway keeps the caller's header spelling.
    expect(event.headers['Content-Type']).toBe('application/json');
    expect(event.headers['X-User-Id']).toBe('user-7');
    expect(event.headers['X-Multi']).toBe('two');
    expect(event.multiValueHeaders['X-Multi']).toEqual(['one', 'two']);
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.requestTimeEpoch).toBeGreaterThan(0);
    expect(contexts[0]?.functionName).toBe('local-router');
    expect(contexts[0]?.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('base64-encodes bodies of non-text content types', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);

    await send(api.url, 'POST', '/predict', { 'Content-Type': 'application/octet-stream' }, bytes);

    expect(events[0]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(events[0]?.body ?? '', 'base64')).toEqual(bytes);
  });

  it('passes path parameters of GET /comparisons/{requestId}, decoded', async () => {
    await send(api.url, 'GET', '/comparisons/req%2E42');

    expect(events[0]).toMatchObject({
      resource: '/comparisons/{requestId}',
      path: '/comparisons/req%2E42',
      pathParameters: { requestId: 'req.42' },
      body: null,
      isBase64Encoded: false,
      queryStringParameters: null,
    });
  });

  it('turns the proxy result into the HTTP response, merging multi-value headers and decoding base64', async () => {
    nextResult = {
      statusCode: 201,
      headers: { 'Content-Type': 'application/octet-stream', 'X-Request-Id': 'r-1' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: Buffer.from([9, 8, 7]).toString('base64'),
      isBase64Encoded: true,
    };

    const response = await send(api.url, 'POST', '/predict', { 'Content-Type': 'application/json' }, '{}');

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['x-request-id']).toBe('r-1');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.headers['x-amzn-requestid']).toBe(events[0]?.requestContext.requestId);
    expect([...response.body]).toEqual([9, 8, 7]);
  });

  it('answers unknown routes with 404 and wrong methods with 405, in the JSON error shape', async () => {
    const unknown = await send(api.url, 'GET', '/nope');
    const wrongMethod = await send(api.url, 'GET', '/predict');

    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString())).toEqual({
      error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) },
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect(JSON.parse(wrongMethod.body.toString()).error.code).toBe('method_not_allowed');
    expect(events).toHaveLength(0);
  });

  it('rejects a body over API Gateway’s 10 MB limit with 413 before any handler runs', async () => {
    const response = await send(
      api.url,
      'POST',
      '/predict',
      { 'Content-Type': 'application/json' },
      Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    );

    expect(response.status).toBe(413);
    expect(JSON.parse(response.body.toString()).error.code).toBe('payload_too_large');
    expect(events).toHaveLength(0);
  });

  it('answers 502 in the JSON error shape when the handler fails or returns a malformed result', async () => {
    nextResult = new Error('handler bug');
    const thrown = await send(api.url, 'POST', '/predict', {}, '{}');
    nextResult = { body: 'no status' } as unknown as APIGatewayProxyResult;
    const malformed = await send(api.url, 'POST', '/predict', {}, '{}');

    expect(thrown.status).toBe(502);
    expect(JSON.parse(thrown.body.toString()).error.code).toBe('internal_error');
    expect(malformed.status).toBe(502);
  });
});

/** Writes raw bytes on a fresh connection and collects everything until the server closes it. */
function rawExchange(url: string, chunks: readonly string[]): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, body: body ? JSON.parse(body) : undefined });
    });
    for (const chunk of chunks) socket.write(chunk);
  });
}

describe('local API server under hostile input', () => {
  let api: ApiServer;
  const events: APIGatewayProxyEvent[] = [];
  const echo: ProxyHandler = async (event) => {
    events.push(event);
    return { statusCode: 200, body: '{}' };
  };

  beforeAll(async () => {
    api = await startApiServer({
      port: 0,
      routes,
      requestTimeoutMs: 300,
      targets: {
        router: { function: fn('local-router'), handler: echo },
        'get-comparison': { function: fn('local-get-comparison'), handler: echo },
      },
    });
  });
  afterAll(() => api.close());
  beforeEach(() => {
    events.length = 0;
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'passes a query parameter and a header named %s as plain names',
    async (name) => {
      const response = await send(api.url, 'POST', `/predict?${name}=q1&${name}=q2`, { [name]: 'h' }, '{}');
      const lookup = await send(api.url, 'GET', `/comparisons/abc?${name}=1`, { [name]: 'h' });

      expect(response.status).toBe(200);
      expect(lookup.status).toBe(200);
      const event = events[0] as APIGatewayProxyEvent;
      expect(Object.getOwnPropertyDescriptor(event.queryStringParameters, name)?.value).toBe('q2');
      expect(Object.getOwnPropertyDescriptor(event.multiValueQueryStringParameters, name)?.value).toEqual([
        'q1',
        'q2',
      ]);
      expect(Object.getOwnPropertyDescriptor(event.headers, name)?.value).toBe('h');
      expect(Object.getOwnPropertyDescriptor(event.multiValueHeaders, name)?.value).toEqual(['h']);
      // The event is what Lambda delivers: plain JSON objects.
      expect(Object.getPrototypeOf(event.headers)).toBe(Object.prototype);
    },
  );

  it('answers a Content-Length over the limit with a 413 at once, without waiting for the body', async () => {
    const response = await rawExchange(api.url, [
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n',
    ]);

    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      error: { code: 'payload_too_large', message: expect.any(String), requestId: expect.any(String) },
    });
    expect(events).toHaveLength(0);
  });

  it('answers a body that never finishes with a 408 JSON error and closes the socket', async () => {
    const response = await rawExchange(api.url, [
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a"',
    ]);

    expect(response).toEqual({
      status: 408,
      body: { error: { code: 'request_timeout', message: expect.any(String), requestId: null } },
    });
    expect(events).toHaveLength(0);
  });

  it('answers headers that never finish with a 408 JSON error', async () => {
    const response = await rawExchange(api.url, ['POST /predict HTTP/1.1\r\nHost: x\r\nX-Slow: 1']);

    expect(response.status).toBe(408);
    expect(response.body).toMatchObject({ error: { code: 'request_timeout' } });
  });

  it('answers headers over Node’s limit with a 431 JSON error', async () => {
    const response = await rawExchange(api.url, [
      `GET /comparisons/abc HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);

    expect(response).toEqual({
      status: 431,
      body: { error: { code: 'headers_too_large', message: expect.any(String), requestId: null } },
    });
  });

  it.each([
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n'],
    ['an invalid Content-Length', 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n'],
    ['a header without a colon', 'GET /comparisons/a HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n'],
  ])('answers %s with a 400 JSON error', async (_name, raw) => {
    const response = await rawExchange(api.url, [raw]);

    expect(response).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: expect.any(String), requestId: null } },
    });
    expect(events).toHaveLength(0);
  });
});

describe('route table', () => {
  it('matches resources with path parameters and tells a wrong method from an unknown path', () => {
    expect(matchRoute(routes, 'GET', '/comparisons/abc')).toMatchObject({
      kind: 'found',
      pathParameters: { requestId: 'abc' },
    });
    expect(matchRoute(routes, 'DELETE', '/comparisons/abc')).toEqual({
      kind: 'wrong-method',
      allowed: ['GET'],
    });
    expect(matchRoute(routes, 'GET', '/comparisons/abc/extra')).toEqual({ kind: 'not-found' });
    expect(matchRoute(routes, 'GET', '/comparisons/')).toEqual({ kind: 'not-found' });
  });

  it('names a handler module in lambda/handlers for every shipped route', () => {
    for (const route of shippedRoutes) {
      expect(existsSync(join(__dirname, '../../lambda/handlers', `${route.handler}.ts`))).toBe(true);
    }
    expect(shippedRoutes.map((r) => `${r.method} ${r.resource}`)).toEqual(
      expect.arrayContaining(['POST /predict', 'GET /comparisons/{requestId}']),
    );
  });
});
