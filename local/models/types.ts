import { isUtf8 } from 'node:buffer';

/** What a model container receives from SageMaker for one InvokeEndpoint call. */
export interface ModelRequest {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
}

/** What a model container answers. */
export interface ModelResponse {
  readonly body: string;
  readonly contentType: string;
}

/**
 * A container-side rejection (bad input, wrong content type). SageMaker does not pass the
 * container's status through: it wraps it in a 424 ModelError with `OriginalStatusCode`.
 */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
  constructor(
    readonly statusCode: 400 | 406 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** A deterministic demo model: the same request always gets the same answer. */
export interface DemoModel {
  readonly description: string;
  invoke(request: ModelRequest): ModelResponse;
}

/** Parses a JSON object body the way a typical inference container does, rejecting anything else. */
export function jsonObjectInput(request: ModelRequest): Record<string, unknown> {
  const contentType = (request.contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new ModelInputError(415, `unsupported content type ${contentType}; expected application/json`);
  }
  const accept = request.accept?.split(';')[0]?.trim().toLowerCase();
  if (accept && accept !== '*/*' && accept !== 'application/json' && accept !== 'application/*') {
    throw new ModelInputError(406, `cannot produce ${accept}; this model answers application/json`);
  }
  if (!isUtf8(request.body)) throw new ModelInputError(400, 'request body is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new ModelInputError(400, 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelInputError(400, 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function jsonResponse(value: unknown): ModelResponse {
  return { body: JSON.stringify(value), contentType: 'application/json' };
}
