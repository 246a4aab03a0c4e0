import { request } from 'node:http';
import type { AfterResponse } from './registry';

/**
 * An internal Lambda extension that holds each invocation open until the work the handler
 * deferred has settled, so the router can answer before its SQS send completes.
 *
 * Lambda ends an invoke phase, and may freeze the environment, once the runtime and every
 * registered extension have called `next`. The Node.js runtime posts the handler's response as
 * soon as the handler's promise resolves (API Gateway gets it then) and waits for its own next
 * event without blocking the event loop, so deferred promises keep running while this extension
 * delays its `next`. The time shows up as the function's PostRuntimeExtensionsDuration and is
 * billed; it is not on the caller's path.
 *
 * Internal extensions must register during init, before the runtime's first `next`: the router's
 * ESM entry (lambda/after-response/router-entry.ts) awaits `startAfterResponseExtension` at top level.
 *
 * Protocol: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html
 */

export const EXTENSION_NAME = 'shadow-rollout-after-response';
const API_VERSION = '2020-01-01';
/** Give the environment back this long before the invocation's deadline, whatever is pending. */
const DEADLINE_MARGIN_MS = 100;

export interface ExtensionEvents {
  /** Registration failed: the caller keeps answering after its work (the safe default). */
  readonly unavailable: (reason: string) => void;
  /** Deferred work was still pending at the deadline margin: it will resume, or not, on thaw. */
  readonly gaveUp: (pending: number) => void;
  /** The Extensions API failed after registration; the extension reported it and stopped. */
  readonly failed: (reason: string) => void;
}

interface InvokeEvent {
  readonly eventType: string;
  readonly deadlineMs?: number;
}

/**
 * Registers the extension and starts its event loop. Resolves `true` once registered (deferred
 * work is then safe: `afterResponse` is activated), `false` when not on Lambda or when the
 * registration failed. It never rejects: a router that cannot answer first answers later.
 */
export async function startAfterResponseExtension(
  registry: AfterResponse,
  runtimeApi: string | undefined,
  events: ExtensionEvents,
): Promise<boolean> {
  if (runtimeApi === undefined || runtimeApi === '') {
    events.unavailable('AWS_LAMBDA_RUNTIME_API is not set');
    return false;
  }
  const api = new ExtensionsApi(runtimeApi);
  let id: string;
  try {
    id = await api.register(EXTENSION_NAME);
  } catch (error) {
    events.unavailable(`registration failed: ${(error as Error).message}`);
    return false;
  }
  registry.activate('lambda-extension');
  void runEventLoop(api, id, registry, events);
  return true;
}

async function runEventLoop(
  api: ExtensionsApi,
  id: string,
  registry: AfterResponse,
  events: ExtensionEvents,
): Promise<void> {
  let invocations = 0;
  try {
    for (;;) {
      // The first call ends this extension's init; each later one ends an invocation.
      const event = await api.next(id);
      if (event.eventType !== 'INVOKE') return;
      invocations++;
      const deadline = (event.deadlineMs ?? Date.now() + 1000) - DEADLINE_MARGIN_MS;
      const outcome = await registry.drained(invocations, deadline);
      if (outcome === 'deadline') events.gaveUp(registry.pendingCount);
    }
  } catch (error) {
    // Without a working `next` this extension would hold every invocation until its timeout.
    // Report the failure: Lambda then resets the environment, and a new one registers afresh.
    events.failed((error as Error).message);
    await api.exitError(id, 'Extension.AfterResponseFailed').catch(() => undefined);
  }
}

/** The three Extensions API calls this extension makes, over plain HTTP to the local endpoint. */
class ExtensionsApi {
  private readonly host: string;
  private readonly port: number;

  constructor(runtimeApi: string) {
    const [host, port] = runtimeApi.split(':');
    this.host = host ?? '127.0.0.1';
    this.port = Number(port ?? 80);
  }

  async register(name: string): Promise<string> {
    const response = await this.call(
      'POST',
      'register',
      { 'Lambda-Extension-Name': name },
      {
        // Internal extensions cannot register for SHUTDOWN.
        events: ['INVOKE'],
      },
    );
    const id = response.headers['lambda-extension-identifier'];
    if (typeof id !== 'string' || id === '') throw new Error('no Lambda-Extension-Identifier in the answer');
    return id;
  }

  async next(id: string): Promise<InvokeEvent> {
    const response = await this.call('GET', 'event/next', { 'Lambda-Extension-Identifier': id });
    return JSON.parse(response.body) as InvokeEvent;
  }

  async exitError(id: string, errorType: string): Promise<void> {
    await this.call(
      'POST',
      'exit/error',
      { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': errorType },
      {},
    );
  }

  private call(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ headers: Record<string, string | string[] | undefined>; body: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      // No timeout on purpose: `next` is a long poll that spans the environment's idle (frozen) time.
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path: `/${API_VERSION}/extension/${path}`,
          headers: {
            ...headers,
            ...(payload === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new Error(`${method} ${path} answered ${status}`));
              return;
            }
            resolve({ headers: res.headers, body: text });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}
