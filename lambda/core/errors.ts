import type { ModelErrorCode } from './model-result';

/**
 * Errors the API answers with. Each carries its HTTP status and a stable machine-readable code;
 * handlers map them to the JSON error shape in one place (`http.ts`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class BadRequestError extends ApiError {
  override readonly name = 'BadRequestError';
  constructor(message: string, code = 'invalid_request') {
    super(400, code, message);
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class PayloadTooLargeError extends ApiError {
  override readonly name = 'PayloadTooLargeError';
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

/** The served model failed; the status depends on how (throttled, timed out, broken). */
export class ModelFailureError extends ApiError {
  override readonly name = 'ModelFailureError';
  constructor(
    readonly modelError: ModelErrorCode,
    message: string,
  ) {
    super(statusForModelError(modelError), modelErrorResponseCode[modelError], message);
  }
}

const modelErrorResponseCode: Record<ModelErrorCode, string> = {
  throttled: 'throttled',
  timeout: 'model_timeout',
  model_error: 'model_error',
  unavailable: 'model_unavailable',
  invalid_request: 'model_rejected_request',
};

export function statusForModelError(code: ModelErrorCode): number {
  switch (code) {
    case 'throttled':
      return 429;
    case 'timeout':
      return 504;
    default:
      return 502;
  }
}
