import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody } from '../http-server';
import { demoModels, ModelInputError } from '../models/index';
import type { EndpointBehaviour } from './models-file';
import {
  containerTimedOut,
  endpointNotFound,
  internalFailure,
  modelError,
  type SageMakerErrorResponse,
  serviceUnavailable,
  throttlingException,
  validationError,
} from './sagemaker-errors';

/** SageMaker real-time inference rejects larger request payloads. */
export const MAX_INVOCATION_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface ModelServerOptions {
  readonly endpoints: Readonly<Record<string, EndpointBehaviour>>;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Used in error messages that SageMaker fills with the region. @default 'us-east-1' */
  readonly region?: string;
  /** Source of randomness for latency jitter, errors and throttling. @default Math.random */
  readonly random?: () => number;
}

export interface ModelServer {
  /** Base URL, e.g. for AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME. */
  readonly url: string;
  readonly port: number;
  /** InvokeEndpoint calls received per endpoint name (throttled and failed ones included). */
  invocations(endpoint: string): number;
  close(): Promise<void>;
}

const INVOCATIONS_PATH = /^\/endpoints\/([^/]+)\/invocations$/;

/**
 * A local stand-in for the SageMaker runtime: `POST /endpoints/{name}/invocations` with the
 * body passed to a demo model unchanged, answers and errors in SageMaker's wire format.
 */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const region = options.region ?? 'us-east-1';
  const random = options.random ?? Math.random;
  const counts = new Map<string, number>();
  // Latencies being played out, so that close() ends them at once. Plain timers: an
  // AbortController per invocation cost more CPU than the rest of the model server together.
  const pending = new Map<NodeJS.Timeout, () => void>();
  let closing = false;
  /** Resolves true after `ms`, or false as soon as the server closes. */
  const wait = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (closing) return resolve(false);
      const timer = setTimeout(() => {
        pending.delete(timer);
        resolve(true);
      }, ms);
      pending.set(timer, () => resolve(false));
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = INVOCATIONS_PATH.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!match?.[1] || req.method !== 'POST') {
      sendJson(
        res,
        404,
        { 'X-Amzn-ErrorType': 'UnknownOperationException' },
        { message: 'Unknown operation' },
      );
      return;
    }
    const endpoint = decodeURIComponent(match[1]);
    counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
    const body = await readBody(req, MAX_INVOCATION_PAYLOAD_BYTES);
    const behaviour = options.endpoints[endpoint];
    if (!behaviour) return sendError(res, endpointNotFound(endpoint));
    if (body === undefined) {
      return sendError(
        res,
        validationError('Request payload exceeds the 6 MB limit for real-time inference.'),
      );
    }
    // Throttling happens at the front door, before the container sees the request.
    if (random() < behaviour.throttleRate) return sendError(res, throttlingException());

    const latencyMs = Math.max(0, behaviour.latencyMs + (random() * 2 - 1) * behaviour.jitterMs);
    if (latencyMs >= behaviour.containerTimeoutMs) {
      if (!(await wait(behaviour.containerTimeoutMs))) return; // server closing
      return sendError(res, containerTimedOut(endpoint, region));
    }
    if (!(await wait(latencyMs))) return; // server closing
    if (random() < behaviour.errorRate) return sendError(res, injectedError(behaviour, endpoint, region));

    const model = demoModels[behaviour.model];
    if (!model) return sendError(res, modelError(endpoint, 500, `unknown model ${behaviour.model}`, region));
    try {
      const answer = model.invoke({
        body,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
      });
      res.writeHead(200, {
        'Content-Type': answer.contentType,
        'X-Amzn-Invoked-Production-Variant': behaviour.variant,
      });
      res.end(answer.body);
    } catch (error) {
      if (error instanceof ModelInputError) {
        return sendError(res, modelError(endpoint, error.statusCode, error.message, region));
      }
      return sendError(res, modelError(endpoint, 500, 'internal model failure', region));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, internalFailure());
    });
  });
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    invocations: (endpoint) => counts.get(endpoint) ?? 0,
    close: async () => {
      closing = true;
      for (const [timer, cancel] of pending) {
        clearTimeout(timer);
        cancel();
      }
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function injectedError(
  behaviour: EndpointBehaviour,
  endpoint: string,
  region: string,
): SageMakerErrorResponse {
  switch (behaviour.errorType) {
    case 'ServiceUnavailable':
      return serviceUnavailable();
    case 'InternalFailure':
      return internalFailure();
    default:
      return modelError(endpoint, 500, 'simulated model failure', region);
  }
}

function sendError(res: ServerResponse, error: SageMakerErrorResponse): void {
  sendJson(res, error.status, { 'X-Amzn-ErrorType': error.errorType }, error.body);
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
