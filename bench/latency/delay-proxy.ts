import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeServer, listen } from '../../local/http-server';

export interface DelayProxyOptions {
  /** Added before each request is forwarded: the simulated queue latency. */
  readonly delayMs: number;
  /**
   * The emulator's origin as its queue URLs spell it. The emulator finds a queue by its exact
   * URL, so the proxy's own origin (the one the router was given) is rewritten to this one in
   * each request body. Connections go to 127.0.0.1 on its port.
   */
  readonly upstreamOrigin: string;
}

export interface DelayProxy {
  readonly origin: string;
  /** TCP connections accepted so far (each aborted dispatch costs the router a new one). */
  connections(): number;
  /** Requests forwarded whose caller had already hung up (a send the router counted as failed). */
  forwardedAfterCallerLeft(): number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy that holds every request `delayMs` before passing it on. A request whose caller
 * gives up during the delay is still forwarded once fully received, like a SendMessage that
 * reached SQS just before the client's deadline: the message is queued, the router counts a
 * failure.
 */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let connections = 0;
  let orphaned = 0;
  let ownOrigin = '';
  const upstreamPort = Number(new URL(options.upstreamOrigin).port);

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = Buffer.from(text.replaceAll(ownOrigin, options.upstreamOrigin));
    await sleep(options.delayMs);
    const callerLeft = res.destroyed || req.socket.destroyed;
    if (callerLeft) orphaned++;
    const upstream = httpRequest({
      host: '127.0.0.1',
      port: upstreamPort,
      method: req.method,
      path: req.url,
      agent,
      headers: { ...req.headers, 'content-length': String(body.length) },
    });
    upstream.on('response', (answer) => {
      if (callerLeft) {
        answer.resume();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent && !callerLeft) res.writeHead(502).end();
    });
    upstream.end(body);
  }

  const server = createServer((req, res) => {
    forward(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  server.on('connection', () => connections++);
  const port = await listen(server, 0, '127.0.0.1');
  ownOrigin = `http://127.0.0.1:${port}`;
  return {
    origin: ownOrigin,
    connections: () => connections,
    forwardedAfterCallerLeft: () => orphaned,
    close: async () => {
      server.closeAllConnections();
      await closeServer(server);
      agent.destroy();
    },
  };
}
