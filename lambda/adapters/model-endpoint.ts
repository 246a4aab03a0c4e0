import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { DeadlineExceededError, withDeadline } from '../core/deadline';
import type { BodyEncoding, ModelErrorCode } from '../core/model-result';
import { isTextMediaType } from '../core/predict-request';
import type { InvokeModel } from '../use-cases/ports/models';

export function modelInvoker(client: SageMakerRuntimeClient, timeoutMs: number): InvokeModel {
  return async (endpoint, request) => {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
    try {
      const command = new InvokeEndpointCommand({
        EndpointName: endpoint,
        ContentType: request.contentType,
        Accept: request.accept,
        Body: Buffer.from(request.body, request.encoding),
      });
      const output = await withDeadline(timeoutMs, (abortSignal) => client.send(command, { abortSignal }));
      const contentType = output.ContentType ?? 'application/octet-stream';
      const bytes = Buffer.from(output.Body ?? new Uint8Array());
      const encoding: BodyEncoding = isTextMediaType(contentType) ? 'utf8' : 'base64';
      return {
        endpoint,
        ...(output.InvokedProductionVariant ? { variant: output.InvokedProductionVariant } : {}),
        latencyMs: elapsed(),
        status: 'ok',
        contentType,
        body: bytes.toString(encoding),
        encoding,
      };
    } catch (error) {
      const clientStatus = clientErrorStatus(error);
      if (clientStatus !== undefined) {
        return {
          endpoint,
          latencyMs: elapsed(),
          status: 'client_error',
          error: {
            code: 'invalid_request',
            message: clientErrorMessage(error),
            httpStatus: clientStatus,
          },
        };
      }
      const code = modelErrorCode(error);
      return {
        endpoint,
        latencyMs: elapsed(),
        status: 'error',
        error: { code, message: describe(error, code) },
      };
    }
  };
}

/** Container statuses that are about the service, not the request: a timeout, an overload. */
const NOT_THE_CALLERS = new Set([408, 429]);

/**
 * The caller's 4xx when the error says the request itself was refused: a container's own 4xx
 * (SageMaker wraps it in a `ModelError` with `OriginalStatusCode`), or SageMaker's
 * `ValidationError` about the request (too large, malformed). A `ValidationError` about the
 * endpoint (it does not exist) is the deployment's fault, not the caller's.
 */
export function clientErrorStatus(error: unknown): number | undefined {
  const e = error as { name?: string; OriginalStatusCode?: unknown; message?: string };
  if (e?.name === 'ModelError') {
    const status = e.OriginalStatusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && !NOT_THE_CALLERS.has(status))
      return status;
    return undefined;
  }
  if (e?.name === 'ValidationError') {
    const message = String(e.message ?? '');
    if (/endpoint .* not found/i.test(message)) return undefined;
    return /exceeds|too large/i.test(message) ? 413 : 400;
  }
  return undefined;
}

/** What the container said about the input, bounded: it goes back to the caller who sent it. */
function clientErrorMessage(error: unknown): string {
  const e = error as { OriginalMessage?: unknown; message?: unknown };
  const said = typeof e.OriginalMessage === 'string' ? e.OriginalMessage : String(e.message ?? '');
  return said.slice(0, 300);
}

/** Maps an SDK or network error to how the model failed. */
export function modelErrorCode(error: unknown): ModelErrorCode {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const name = e?.name ?? '';
  // Our own deadline (withDeadline), the SDK's request timeout, or the socket's.
  if (
    error instanceof DeadlineExceededError ||
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    e?.code === 'ETIMEDOUT'
  )
    return 'timeout';
  if (name === 'ThrottlingException' || e?.$metadata?.httpStatusCode === 429) return 'throttled';
  if (name === 'ModelError') return 'model_error';
  // Anything else, a ValidationError about the endpoint included (it does not exist), means
  // the endpoint could not answer.
  return 'unavailable';
}

function describe(error: unknown, code: ModelErrorCode): string {
  const name = (error as { name?: string })?.name ?? 'Error';
  // Only the error class and a bounded message: a model's message may echo its input.
  const message = String((error as { message?: string })?.message ?? '').slice(0, 200);
  return code === 'timeout' ? `${name}: model call exceeded its time budget` : `${name}: ${message}`;
}
