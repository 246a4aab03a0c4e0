import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { withDeadline } from '../core/deadline';
import type { BodyEncoding, ModelErrorCode, ModelResult } from '../core/model-result';
import { isTextMediaType } from '../core/predict-request';

export interface ModelRequest {
  readonly contentType: string;
  readonly accept?: string | undefined;
  readonly body: string;
  readonly encoding: BodyEncoding;
}

/** Calls one endpoint and always resolves: a failure is a result with `status: 'error'`. */
export type InvokeModel = (endpoint: string, request: ModelRequest) => Promise<ModelResult>;

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

const UNAVAILABLE = new Set([
  'ModelNotReadyException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalDependencyException',
  'InternalStreamFailure',
]);

/** Maps an SDK or network error to how the model failed. */
export function modelErrorCode(error: unknown): ModelErrorCode {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const name = e?.name ?? '';
  if (name === 'AbortError' || name === 'TimeoutError' || e?.code === 'ETIMEDOUT') return 'timeout';
  if (name === 'ThrottlingException' || e?.$metadata?.httpStatusCode === 429) return 'throttled';
  if (name === 'ModelError') return 'model_error';
  if (name === 'ValidationError') return 'invalid_request';
  if (UNAVAILABLE.has(name)) return 'unavailable';
  return 'unavailable';
}

function describe(error: unknown, code: ModelErrorCode): string {
  const name = (error as { name?: string })?.name ?? 'Error';
  // Only the error class and a bounded message: a model's message may echo its input.
  const message = String((error as { message?: string })?.message ?? '').slice(0, 200);
  return code === 'timeout' ? `${name}: model call exceeded its time budget` : `${name}: ${message}`;
}
