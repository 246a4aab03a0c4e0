import { Agent, Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * In-memory connections between an HTTP client and an HTTP server in the same thread.
 *
 * Local mode runs the router's SQS client and fauxqs in one event loop, and every shadow send
 * crossed the kernel's loopback TCP twice. Here a connection to a registered server is a pair of
 * in-memory streams instead of a socket, which halves the CPU of a SendMessage (BENCHMARKS.md §2;
 * model and DynamoDB calls cost the same either way, so their emulators keep their sockets).
 * The client still writes a real HTTP/1.1 request (Node's own `http` client and keep-alive
 * agent, as the SDK's NodeHttpHandler uses them), the emulator's own `http.Server` parses those
 * bytes and answers with real HTTP/1.1 bytes that the client parses. Nothing is mocked: the
 * same handlers, the same SDK clients and middleware (signing, serialization, retries,
 * timeouts), the same servers; only TCP is skipped. Connections to anything else, and every
 * connection from another thread or process (curl, the CLI, the API's callers, the worker's
 * poller), are real sockets to the same servers.
 *
 * Each thread has its own `http` module state, so registering a server affects the registering
 * thread's clients only.
 */
const servers = new Map<string, Server>();
// Agent.prototype.createConnection is net.createConnection, which Node's own agents call as a method.
const originalCreateConnection = Agent.prototype.createConnection as (
  this: Agent,
  options: { host?: string; port?: number | string },
  callback?: (error: Error | null, socket: Socket) => void,
) => Socket;
let installed = false;

/**
 * Clients of this thread that connect to `host:port` (every host name given) reach `server`
 * in memory. Returns the function that undoes it.
 */
export function serveInProcess(server: Server, port: number, hosts: readonly string[]): () => void {
  install();
  const keys = hosts.map((host) => `${host}:${port}`);
  for (const key of keys) servers.set(key, server);
  return () => {
    for (const key of keys) if (servers.get(key) === server) servers.delete(key);
  };
}

/**
 * Runs `start` and returns the HTTP servers that began listening meanwhile in this thread: for a
 * library that starts its own server and does not hand it out (fauxqs). Pick by port.
 */
export async function serversStartedBy<T>(start: () => Promise<T>): Promise<{ value: T; servers: Server[] }> {
  const servers: Server[] = [];
  const listen = NetServer.prototype.listen;
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    if (this instanceof Server) servers.push(this);
    return (listen as (...args: unknown[]) => NetServer).apply(this, args);
  } as typeof listen;
  try {
    return { value: await start(), servers };
  } finally {
    NetServer.prototype.listen = listen;
  }
}

/** The server among `servers` listening on `port`. */
export function listeningOn(servers: readonly Server[], port: number): Server | undefined {
  return servers.find((server) => {
    const address = server.address();
    return typeof address === 'object' && address !== null && address.port === port;
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  Agent.prototype.createConnection = function createConnection(
    this: Agent,
    options: { host?: string; port?: number | string },
    callback?: (error: Error | null, socket: Socket) => void,
  ) {
    const port = Number(options.port ?? 80);
    const server = servers.get(`${options.host ?? 'localhost'}:${port}`);
    if (!server?.listening) return originalCreateConnection.call(this, options, callback);
    const client = new InMemorySocket(port);
    const serverSide = new InMemorySocket(port);
    client.peer = serverSide;
    serverSide.peer = client;
    server.emit('connection', serverSide);
    return client as unknown as Socket;
  } as typeof Agent.prototype.createConnection;
}

/**
 * One end of an in-memory connection, with the parts of `net.Socket` that Node's HTTP client,
 * its agent and its server use. Bytes written at one end are read at the other in a later
 * tick, as from a socket. An end (FIN) or a destroy (reset) reaches the peer. Idle timeouts
 * (`setTimeout`) work as on a socket: the SDK's request timeout and the server's keep-alive
 * timeout rely on them.
 */
class InMemorySocket extends Duplex {
  peer: InMemorySocket | undefined;
  readonly remoteAddress = '127.0.0.1';
  readonly remoteFamily = 'IPv4';
  readonly localAddress = '127.0.0.1';
  readonly connecting = false;
  timeout = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private incoming: Buffer[] = [];
  private deliverScheduled = false;

  constructor(readonly remotePort: number) {
    super({ allowHalfOpen: false, decodeStrings: true });
  }

  get localPort(): number {
    return this.remotePort;
  }

  address() {
    return { address: this.localAddress, family: this.remoteFamily, port: this.localPort };
  }

  override _read(): void {
    // Bytes are pushed by the peer's writes.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send([chunk]);
    callback();
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.send(chunks.map(({ chunk }) => chunk));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer && !peer.destroyed) peer.receive(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearIdleTimer();
    const peer = this.peer;
    this.peer = undefined;
    // As closing a socket: the other end reads what already arrived, then the end of the stream.
    if (peer && !peer.destroyed) {
      peer.peer = undefined;
      peer.receive(null);
    }
    callback(error);
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.timeout = ms;
    if (callback) this.once('timeout', callback);
    this.clearIdleTimer();
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), ms);
      this.idleTimer.unref();
    }
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private send(chunks: Buffer[]): void {
    this.touch();
    const peer = this.peer;
    if (!peer || peer.destroyed) return;
    for (const chunk of chunks) peer.receive(chunk);
  }

  /** Queues bytes (or the end) for this end's reader, delivered together in a later tick. */
  private receive(chunk: Buffer | null): void {
    if (chunk) this.incoming.push(chunk);
    else this.incoming.push(END);
    if (this.deliverScheduled) return;
    this.deliverScheduled = true;
    process.nextTick(() => this.deliver());
  }

  private deliver(): void {
    this.deliverScheduled = false;
    const chunks = this.incoming;
    this.incoming = [];
    if (this.destroyed) return;
    this.touch();
    let bytes: Buffer[] = [];
    for (const chunk of chunks) {
      if (chunk === END) {
        if (bytes.length > 0) this.push(bytes.length === 1 ? bytes[0] : Buffer.concat(bytes));
        bytes = [];
        this.push(null);
      } else bytes.push(chunk);
    }
    if (bytes.length > 0) this.push(bytes.length === 1 ? bytes[0] : Buffer.concat(bytes));
  }

  private touch(): void {
    this.idleTimer?.refresh();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

const END = Buffer.alloc(0);
