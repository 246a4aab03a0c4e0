import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { Socket } from 'node:net';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { closeServer, listen } from '../../local/http-server';
import { listeningOn, serveInProcess, serversStartedBy } from '../../local/in-process-http';

interface Seen {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly overTcp: boolean;
}

/** An HTTP server that records what it parsed and over what kind of connection. */
async function recordingServer(answer: (seen: Seen) => { status: number; body: string; delayMs?: number }) {
  const seen: Seen[] = [];
  const connections: { overTcp: boolean }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        overTcp: req.socket instanceof Socket,
      };
      seen.push(entry);
      const { status, body, delayMs } = answer(entry);
      const timer = setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      }, delayMs ?? 0);
      res.on('close', () => clearTimeout(timer));
    });
  });
  server.on('connection', (socket) => connections.push({ overTcp: socket instanceof Socket }));
  const port = await listen(server, 0, '127.0.0.1');
  return { server, port, seen, connections };
}

function post(
  port: number,
  path: string,
  body: string,
  options: { timeoutMs?: number; agent?: unknown } = {},
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-custom': 'kept' },
        ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
        ...(options.agent ? { agent: options.agent as never } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

describe('in-memory connections to a server in the same thread', () => {
  it('delivers the real HTTP request to the server and its real answer back, without a TCP socket', async () => {
    const target = await recordingServer((seen) => ({ status: 201, body: `got ${seen.body}` }));
    const unregister = serveInProcess(target.server, target.port, ['127.0.0.1']);
    try {
      const answer = await post(target.port, '/a/b?c=1', '{"x":1}');
      expect(answer).toEqual({ status: 201, body: 'got {"x":1}' });
      expect(target.seen).toEqual([
        expect.objectContaining({
          method: 'POST',
          url: '/a/b?c=1',
          body: '{"x":1}',
          overTcp: false,
          headers: expect.objectContaining({
            'content-type': 'application/json',
            'x-custom': 'kept',
            host: `127.0.0.1:${target.port}`,
          }),
        }),
      ]);
    } finally {
      unregister();
      await closeServer(target.server);
    }
  });

  it('falls back to TCP once unregistered, and for servers never registered', async () => {
    const target = await recordingServer(() => ({ status: 200, body: 'ok' }));
    const unregister = serveInProcess(target.server, target.port, ['127.0.0.1']);
    unregister();
    try {
      await expect(post(target.port, '/', '')).resolves.toEqual({ status: 200, body: 'ok' });
      expect(target.connections).toEqual([{ overTcp: true }]);
    } finally {
      await closeServer(target.server);
    }
  });

  it('keeps a connection alive across calls, and an idle timeout still fires', async () => {
    const target = await recordingServer((seen) => ({
      status: 200,
      body: 'ok',
      delayMs: seen.url === '/slow' ? 2_000 : 0,
    }));
    const unregister = serveInProcess(target.server, target.port, ['127.0.0.1']);
    const client = new SageMakerRuntimeClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${target.port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ requestTimeout: 200 }),
    });
    try {
      for (let i = 0; i < 3; i++)
        await client.send(new InvokeEndpointCommand({ EndpointName: 'e', Body: Buffer.from('{}') }));
      // Three calls, one in-memory connection (the SDK's keep-alive agent reused it).
      expect(target.connections).toEqual([{ overTcp: false }]);
      expect(target.seen.map((seen) => seen.url)).toEqual(Array(3).fill('/endpoints/e/invocations'));
      // The socket timeout the SDK sets (requestTimeout) ends a call the server does not answer.
      await expect(post(target.port, '/slow', '', { timeoutMs: 100 })).rejects.toMatchObject({
        code: 'TIMEOUT',
      });
    } finally {
      client.destroy();
      unregister();
      target.server.closeAllConnections();
      await closeServer(target.server);
    }
  });

  it('ends the client side when the server closes the connection', async () => {
    const target = await recordingServer(() => ({ status: 200, body: 'ok', delayMs: 5_000 }));
    const unregister = serveInProcess(target.server, target.port, ['127.0.0.1']);
    try {
      const call = post(target.port, '/', '');
      while (target.seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
      target.server.closeAllConnections();
      await expect(call).rejects.toMatchObject({ code: 'ECONNRESET' });
    } finally {
      unregister();
      await closeServer(target.server);
    }
  });

  it('finds the server a library started without handing it out', async () => {
    let started: Server | undefined;
    const { value: port, servers } = await serversStartedBy(async () => {
      started = createServer();
      return listen(started, 0, '127.0.0.1');
    });
    try {
      expect(listeningOn(servers, port)).toBe(started);
      expect(listeningOn(servers, port + 1)).toBeUndefined();
    } finally {
      if (started) await closeServer(started);
    }
  });
});
