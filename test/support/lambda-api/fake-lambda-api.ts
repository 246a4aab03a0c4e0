/**
 * In-process fake of the AWS Lambda Runtime API (2018-06-01) and Extensions API (2020-01-01), the
 * HTTP endpoint a runtime and its extensions reach at AWS_LAMBDA_RUNTIME_API. It follows the
 * lifecycle Lambda enforces, so a test can see when a response was posted and when the invoke
 * phase really ended (every INVOKE extension called /extension/event/next again).
 *
 * Status codes and error types follow the public Runtime Interface Emulator (RAPID). Every
 * extension registered here is an internal one (there is no /opt/extensions), so, as in Lambda,
 * SHUTDOWN cannot be subscribed to.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface FakeLambdaApiOptions {
  functionName?: string;
  /** Function timeout, for the deadline given with each invocation. Default 10000. */
  timeoutMs?: number;
}

export interface FakeLambdaApi {
  /** host:port, the value of AWS_LAMBDA_RUNTIME_API for the process under test. */
  readonly address: string;
  /**
   * Resolves when the init phase ended: the runtime and every registered extension called next once.
   * Rejects if the runtime posted /runtime/init/error (or an extension posted /extension/init/error).
   */
  readonly initDone: Promise<void>;
  /** Queues one invocation (delivered once init is done and the previous invocation completed). */
  invoke(event: unknown): Invocation;
  /** Registered extensions, in order. */
  extensions(): readonly RegisteredExtension[];
  /** Every request the fake received, in order: method, path, time (performance.now()). */
  requests(): readonly { method: string; path: string; at: number }[];
  /** Errors extensions reported via /extension/init/error or /extension/exit/error. */
  extensionErrors(): readonly { id: string; kind: 'init' | 'exit'; errorType: string | undefined }[];
  close(): Promise<void>;
}

export interface Invocation {
  readonly requestId: string;
  /** When the event was handed to the runtime (performance.now()). */
  readonly delivered: Promise<{ readonly at: number }>;
  /** The runtime's posted response (parsed JSON) or error, and when (performance.now()). */
  readonly responded: Promise<{ readonly at: number; readonly body?: unknown; readonly error?: unknown }>;
  /**
   * When the invoke phase ended: after the response/error AND after every extension registered for
   * INVOKE called /extension/event/next again (performance.now()).
   */
  readonly completed: Promise<{ readonly at: number }>;
}

export interface RegisteredExtension {
  readonly name: string;
  readonly id: string;
  readonly events: readonly string[];
  readonly registeredAt: number;
}

const RUNTIME = '/2018-06-01/runtime';
const EXTENSION = '/2020-01-01/extension';
const ACCOUNT_ID = '123456789012';
/** Lambda's limit on extensions per function. */
const MAX_EXTENSIONS = 10;

class Deferred<T> {
  settled = false;
  readonly promise: Promise<T>;
  #resolve: (value: T) => void = () => {};
  #reject: (reason: unknown) => void = () => {};

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Rejection is part of the API; one nobody awaited must not fail the test run.
    this.promise.catch(() => {});
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(value);
  }

  reject(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#reject(reason);
  }
}

interface Outcome {
  readonly at: number;
  readonly body?: unknown;
  readonly error?: unknown;
}

interface InvocationState {
  readonly requestId: string;
  readonly payload: string;
  readonly delivered: Deferred<{ readonly at: number }>;
  readonly responded: Deferred<Outcome>;
  readonly completed: Deferred<{ readonly at: number }>;
  deadlineMs: number;
  traceId: string;
  runtimeDelivered: boolean;
  /** The runtime posted its response or error. */
  answered: boolean;
  /** The runtime called next again after answering. */
  runtimeDone: boolean;
  /** INVOKE extensions still in this invocation: not yet handed the event, or handed it and not back. */
  extensionsPending: Map<string, 'undelivered' | 'delivered'>;
}

interface ExtensionState {
  readonly info: RegisteredExtension;
  /** Called next at least once (RAPID's Ready state). */
  ready: boolean;
  waiter: ServerResponse | undefined;
}

type Phase = 'init' | 'ready' | 'failed' | 'closed';

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function fail(res: ServerResponse, status: number, errorType: string, errorMessage: string): void {
  json(res, status, { errorMessage, errorType });
}

const accepted = (res: ServerResponse) => json(res, 202, { status: 'OK' });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** JSON when it parses; Lambda passes the raw bytes on otherwise, so keep the text. */
function parseLenient(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function newTraceId(): string {
  const epochHex = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epochHex}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

export async function startFakeLambdaApi(options: FakeLambdaApiOptions = {}): Promise<FakeLambdaApi> {
  const functionName = options.functionName ?? 'test-function';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const functionArn = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${functionName}`;

  let phase: Phase = 'init';
  let registrationOpen = true;
  let runtimeCalledNext = false;
  let runtimeWaiter: ServerResponse | undefined;
  let initError: Error | undefined;
  const initDone = new Deferred<void>();
  const extensions = new Map<string, ExtensionState>();
  const queue: InvocationState[] = [];
  let active: InvocationState | undefined;
  const log: { method: string; path: string; at: number }[] = [];
  const extensionErrors: { id: string; kind: 'init' | 'exit'; errorType: string | undefined }[] = [];

  /** Holds a long-poll; forgets it if the client goes away before it is answered. */
  function hold(
    res: ServerResponse,
    set: (res: ServerResponse | undefined) => void,
    get: () => unknown,
  ): void {
    set(res);
    res.on('close', () => {
      if (get() === res) set(undefined);
    });
  }

  function holdRuntime(res: ServerResponse): void {
    hold(
      res,
      (r) => {
        runtimeWaiter = r;
      },
      () => runtimeWaiter,
    );
  }

  function holdExtension(ext: ExtensionState, res: ServerResponse): void {
    hold(
      res,
      (r) => {
        ext.waiter = r;
      },
      () => ext.waiter,
    );
  }

  function deliverToRuntime(res: ServerResponse, inv: InvocationState): void {
    inv.runtimeDelivered = true;
    const body = inv.payload;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Lambda-Runtime-Aws-Request-Id': inv.requestId,
      'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': functionArn,
      'Lambda-Runtime-Trace-Id': inv.traceId,
    });
    res.end(body);
    inv.delivered.resolve({ at: performance.now() });
  }

  function deliverToExtension(res: ServerResponse, inv: InvocationState, ext: ExtensionState): void {
    inv.extensionsPending.set(ext.info.id, 'delivered');
    json(
      res,
      200,
      {
        eventType: 'INVOKE',
        deadlineMs: inv.deadlineMs,
        requestId: inv.requestId,
        invokedFunctionArn: functionArn,
        tracing: { type: 'X-Amzn-Trace-Id', value: inv.traceId },
      },
      { 'Lambda-Extension-Event-Identifier': randomUUID() },
    );
  }

  function take<T>(value: T | undefined, clear: () => void): T | undefined {
    if (value !== undefined) clear();
    return value;
  }

  /** Starts the next queued invocation when the environment is idle: everyone gets it at once. */
  function pump(): void {
    if (phase !== 'ready' || active !== undefined) return;
    const inv = queue.shift();
    if (inv === undefined) return;
    active = inv;
    inv.deadlineMs = Date.now() + timeoutMs;
    inv.traceId = newTraceId();
    for (const ext of extensions.values()) {
      if (ext.info.events.includes('INVOKE')) inv.extensionsPending.set(ext.info.id, 'undelivered');
    }
    const runtimeRes = take(runtimeWaiter, () => {
      runtimeWaiter = undefined;
    });
    if (runtimeRes !== undefined) deliverToRuntime(runtimeRes, inv);
    for (const ext of extensions.values()) {
      if (inv.extensionsPending.get(ext.info.id) !== 'undelivered') continue;
      const extRes = take(ext.waiter, () => {
        ext.waiter = undefined;
      });
      if (extRes !== undefined) deliverToExtension(extRes, inv, ext);
    }
  }

  function maybeEndInit(): void {
    if (phase !== 'init' || !runtimeCalledNext) return;
    for (const ext of extensions.values()) if (!ext.ready) return;
    phase = 'ready';
    initDone.resolve();
    pump();
  }

  function maybeComplete(): void {
    const inv = active;
    if (inv === undefined || !inv.answered || !inv.runtimeDone || inv.extensionsPending.size > 0) return;
    active = undefined;
    inv.completed.resolve({ at: performance.now() });
    pump();
  }

  function rejectInvocation(inv: InvocationState, reason: Error): void {
    inv.delivered.reject(reason);
    inv.responded.reject(reason);
    inv.completed.reject(reason);
  }

  function failInit(reason: Error): void {
    phase = 'failed';
    initError = reason;
    registrationOpen = false;
    initDone.reject(reason);
    for (const inv of queue.splice(0)) rejectInvocation(inv, reason);
  }

  // --- Runtime API ---

  function runtimeNext(res: ServerResponse): void {
    if (phase === 'failed' || phase === 'closed') {
      fail(res, 403, 'InvalidStateTransition', `Runtime API unavailable: environment is ${phase}`);
      return;
    }
    if (phase === 'init') {
      // Lambda closes extension registration as soon as the runtime reports ready.
      runtimeCalledNext = true;
      registrationOpen = false;
      holdRuntime(res);
      maybeEndInit();
      return;
    }
    const inv = active;
    if (inv !== undefined && !inv.runtimeDelivered) {
      deliverToRuntime(res, inv);
      return;
    }
    if (inv !== undefined && !inv.answered) {
      fail(
        res,
        403,
        'InvalidStateTransition',
        'State transition from Running to Ready failed for runtime. Error: next called before the response was posted',
      );
      return;
    }
    holdRuntime(res);
    if (inv !== undefined) {
      inv.runtimeDone = true;
      maybeComplete();
    }
  }

  async function runtimeAnswer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    kind: 'response' | 'error',
  ): Promise<void> {
    const text = await readBody(req);
    const inv = active;
    if (inv === undefined || inv.requestId !== requestId || !inv.runtimeDelivered) {
      fail(res, 400, 'InvalidRequestID', 'Invalid request ID');
      return;
    }
    if (inv.answered) {
      fail(
        res,
        403,
        'InvalidStateTransition',
        `State transition from ResponseSent to Invocation${kind === 'response' ? 'Response' : 'ErrorResponse'} failed for runtime. Error: response already sent`,
      );
      return;
    }
    inv.answered = true;
    const at = performance.now();
    const parsed = parseLenient(text);
    if (kind === 'response') {
      inv.responded.resolve({ at, body: parsed });
    } else {
      const errorType = header(req, 'Lambda-Runtime-Function-Error-Type');
      inv.responded.resolve({ at, error: parsed ?? { errorType } });
    }
    accepted(res);
  }

  async function runtimeInitError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    if (phase !== 'init') {
      fail(res, 403, 'InvalidStateTransition', 'init/error is only accepted during the init phase');
      return;
    }
    const parsed = parseLenient(text);
    const errorType =
      header(req, 'Lambda-Runtime-Function-Error-Type') ??
      (typeof parsed === 'object' && parsed !== null && 'errorType' in parsed
        ? String(parsed.errorType)
        : 'Runtime.Unknown');
    const message =
      typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed
        ? String(parsed.errorMessage)
        : '';
    accepted(res);
    failInit(
      Object.assign(new Error(`Runtime init error ${errorType}: ${message}`), { errorType, body: parsed }),
    );
  }

  // --- Extensions API ---

  async function register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const name = header(req, 'Lambda-Extension-Name');
    if (name === undefined) {
      fail(res, 400, 'Extension.InvalidExtensionName', 'Empty extension name');
      return;
    }
    let events: string[];
    try {
      const body = JSON.parse(text) as unknown;
      if (
        typeof body !== 'object' ||
        body === null ||
        !('events' in body) ||
        !Array.isArray(body.events) ||
        !body.events.every((e): e is string => typeof e === 'string')
      ) {
        throw new Error('body must be {"events": [string]}');
      }
      events = body.events;
    } catch (err) {
      fail(res, 400, 'InvalidRequestFormat', err instanceof Error ? err.message : String(err));
      return;
    }
    for (const event of events) {
      if (event === 'INVOKE') continue;
      const why =
        event === 'SHUTDOWN' ? 'ShutdownEventNotSupportedForInternalExtension' : 'ErrorInvalidEventType';
      fail(res, 403, 'Extension.InvalidEventType', `${event}: ${why}`);
      return;
    }
    if (!registrationOpen) {
      fail(res, 403, 'Extension.RegistrationClosed', 'Extension registration closed already');
      return;
    }
    if ([...extensions.values()].some((e) => e.info.name === name)) {
      fail(res, 403, 'Extension.InvalidExtensionState', 'Extension with this name already registered');
      return;
    }
    if (extensions.size >= MAX_EXTENSIONS) {
      fail(res, 403, 'Extension.TooManyExtensions', `Extension limit (${MAX_EXTENSIONS}) reached`);
      return;
    }
    const id = randomUUID();
    extensions.set(id, {
      info: { name, id, events: [...events], registeredAt: performance.now() },
      ready: false,
      waiter: undefined,
    });
    const wantsAccountId = (header(req, 'Lambda-Extension-Accept-Feature') ?? '').includes('accountId');
    json(
      res,
      200,
      {
        functionName,
        functionVersion: '$LATEST',
        handler: 'index.handler',
        ...(wantsAccountId ? { accountId: ACCOUNT_ID } : {}),
      },
      { 'Lambda-Extension-Identifier': id },
    );
  }

  function knownExtension(req: IncomingMessage, res: ServerResponse): ExtensionState | undefined {
    const id = header(req, 'Lambda-Extension-Identifier');
    if (id === undefined) {
      fail(res, 403, 'Extension.MissingExtensionIdentifier', 'Missing Lambda-Extension-Identifier header');
      return undefined;
    }
    const ext = extensions.get(id);
    if (ext === undefined) fail(res, 403, 'Extension.UnknownExtensionIdentifier', `Unknown extension ${id}`);
    return ext;
  }

  function extensionNext(req: IncomingMessage, res: ServerResponse): void {
    const ext = knownExtension(req, res);
    if (ext === undefined) return;
    if (phase === 'failed' || phase === 'closed') {
      fail(
        res,
        403,
        'Extension.InvalidExtensionState',
        `Extensions API unavailable: environment is ${phase}`,
      );
      return;
    }
    if (!ext.ready) {
      ext.ready = true;
      holdExtension(ext, res);
      maybeEndInit();
      return;
    }
    const inv = active;
    const state = inv?.extensionsPending.get(ext.info.id);
    if (inv !== undefined && state === 'undelivered') {
      deliverToExtension(res, inv, ext);
      return;
    }
    holdExtension(ext, res);
    if (inv !== undefined && state === 'delivered') {
      inv.extensionsPending.delete(ext.info.id);
      maybeComplete();
    }
  }

  async function extensionError(
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'init' | 'exit',
  ): Promise<void> {
    await readBody(req);
    const ext = knownExtension(req, res);
    if (ext === undefined) return;
    const errorType = header(req, 'Lambda-Extension-Function-Error-Type');
    if (errorType === undefined) {
      fail(res, 403, 'Extension.MissingHeader', 'Lambda-Extension-Function-Error-Type not found');
      return;
    }
    if (kind === 'init' && ext.ready) {
      fail(
        res,
        403,
        'Extension.InvalidExtensionState',
        `State transition from Ready to InitError failed for extension ${ext.info.id}`,
      );
      return;
    }
    extensionErrors.push({ id: ext.info.id, kind, errorType });
    accepted(res);
    // An extension's init error fails the environment's init, as Lambda does.
    if (kind === 'init' && phase === 'init') {
      failInit(Object.assign(new Error(`Extension ${ext.info.name} init error ${errorType}`), { errorType }));
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    log.push({ method, path, at: performance.now() });

    const answer = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    const routes: [string, string, () => unknown][] = [
      ['GET', `${RUNTIME}/invocation/next`, () => runtimeNext(res)],
      ['POST', `${RUNTIME}/init/error`, () => runtimeInitError(req, res)],
      ['POST', `${EXTENSION}/register`, () => register(req, res)],
      ['GET', `${EXTENSION}/event/next`, () => extensionNext(req, res)],
      ['POST', `${EXTENSION}/init/error`, () => extensionError(req, res, 'init')],
      ['POST', `${EXTENSION}/exit/error`, () => extensionError(req, res, 'exit')],
    ];
    if (answer !== null) {
      const [, requestId = '', kind] = answer;
      routes.push([
        'POST',
        path,
        () => runtimeAnswer(req, res, decodeURIComponent(requestId), kind as 'response' | 'error'),
      ]);
    }
    const matches = routes.filter(([, p]) => p === path);
    const handler = matches.find(([m]) => m === method)?.[2];
    if (handler !== undefined) {
      await handler();
    } else if (matches.length > 0) {
      fail(res, 405, 'MethodNotAllowed', `${method} ${path}`);
    } else {
      fail(res, 404, 'NotFound', `${method} ${path}`);
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        fail(res, 500, 'InternalServerError', err instanceof Error ? err.message : String(err));
      }
    });
  });
  // Long-polls wait for as long as the environment is idle, as in Lambda: no server-side timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 0;
  server.timeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;

  return {
    address: `127.0.0.1:${port}`,
    initDone: initDone.promise,
    invoke(event: unknown): Invocation {
      const inv: InvocationState = {
        requestId: randomUUID(),
        payload: JSON.stringify(event) ?? 'null',
        delivered: new Deferred(),
        responded: new Deferred(),
        completed: new Deferred(),
        deadlineMs: 0,
        traceId: '',
        runtimeDelivered: false,
        answered: false,
        runtimeDone: false,
        extensionsPending: new Map(),
      };
      if (phase === 'failed') rejectInvocation(inv, initError ?? new Error('init failed'));
      else if (phase === 'closed') rejectInvocation(inv, new Error('fake Lambda API closed'));
      else {
        queue.push(inv);
        pump();
      }
      return {
        requestId: inv.requestId,
        delivered: inv.delivered.promise,
        responded: inv.responded.promise,
        completed: inv.completed.promise,
      };
    },
    extensions: () => [...extensions.values()].map((e) => e.info),
    requests: () => [...log],
    extensionErrors: () => [...extensionErrors],
    close(): Promise<void> {
      closing ??= (async () => {
        phase = 'closed';
        const reason = new Error('fake Lambda API closed');
        initDone.reject(reason);
        if (active !== undefined) rejectInvocation(active, reason);
        for (const inv of queue.splice(0)) rejectInvocation(inv, reason);
        active = undefined;
        // Pending long-polls and idle keep-alive sockets would keep the server (and jest) alive.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
