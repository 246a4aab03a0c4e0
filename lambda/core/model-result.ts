/** Why a model call failed, in the domain's terms; the router maps these to HTTP statuses. */
export type ModelErrorCode = 'model_error' | 'throttled' | 'timeout' | 'unavailable' | 'invalid_request';

export type BodyEncoding = 'utf8' | 'base64';

/**
 * How a model call ended: answered, failed (the model's or the platform's fault), or refused
 * the input as the caller's mistake (`client_error`: a container's own 4xx, or SageMaker's
 * validation of the request). A client error is the caller's 4xx and never a model failure in
 * any metric, record or verdict.
 */
export type ModelCallStatus = 'ok' | 'error' | 'client_error';

/** One answer (or failure) of one SageMaker endpoint for one request. */
export interface ModelResult {
  readonly endpoint: string;
  /** The production variant that answered (`X-Amzn-Invoked-Production-Variant`), when known. */
  readonly variant?: string;
  readonly latencyMs: number;
  readonly status: ModelCallStatus;
  readonly contentType?: string;
  readonly body?: string;
  readonly encoding?: BodyEncoding;
  readonly error?: {
    readonly code: ModelErrorCode;
    readonly message: string;
    /** For a client error: the 4xx the container (or SageMaker) answered, passed to the caller. */
    readonly httpStatus?: number;
  };
}

/** Whether a result counts for the model at all: a client error says nothing about it. */
export function countsForModel(result: Pick<ModelResult, 'status'>): boolean {
  return result.status !== 'client_error';
}
