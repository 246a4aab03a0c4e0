import type { ModelErrorCode } from './model-result';

/**
 * A mistake a person made and can fix (a bad flag, an unknown stage, a refused change, a lost
 * race to change the config). The CLI, local mode and the CDK app print its message as one line
 * of cause and remedy and exit with code 2, never a stack trace; anything else is a bug.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/** Exit code of a command that stopped on a user mistake. */
export const USER_ERROR_EXIT_CODE = 2;

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

/**
 * The served model refused the input as the caller's mistake (its own 4xx, or SageMaker's
 * validation): the caller gets that status, and no model failure is counted.
 */
export class ModelRejectedRequestError extends ApiError {
  override readonly name = 'ModelRejectedRequestError';
  constructor(status: number, message: string) {
    super(status, 'model_rejected_request', message);
  }
}

/** A dependency of this function is unavailable for now; the caller's retry may succeed. */
export class ServiceUnavailableError extends ApiError {
  override readonly name = 'ServiceUnavailableError';
  constructor(code: string, message: string) {
    super(503, code, message);
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

/**
 * node:util parseArgs' complaint in a few words: its message for an unknown option runs on
 * about positional arguments, which is not what a mistyped flag needs.
 */
export function argumentProblem(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  return message.split('\n')[0] ?? message;
}
