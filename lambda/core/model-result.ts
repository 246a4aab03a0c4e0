/** Why a model call failed, in the domain's terms; the router maps these to HTTP statuses. */
export type ModelErrorCode = 'model_error' | 'throttled' | 'timeout' | 'unavailable' | 'invalid_request';

export type BodyEncoding = 'utf8' | 'base64';

/** One answer (or failure) of one SageMaker endpoint for one request. */
export interface ModelResult {
  readonly endpoint: string;
  /** The production variant that answered (`X-Amzn-Invoked-Production-Variant`), when known. */
  readonly variant?: string;
  readonly latencyMs: number;
  readonly status: 'ok' | 'error';
  readonly contentType?: string;
  readonly body?: string;
  readonly encoding?: BodyEncoding;
  readonly error?: { readonly code: ModelErrorCode; readonly message: string };
}
