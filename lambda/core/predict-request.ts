import { isUtf8 } from 'node:buffer';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors';
import { headerValue } from './http';
import type { InputContract } from './input-contract';
import type { BodyEncoding } from './model-result';
import { requestIdFrom } from './request-id';

/**
 * Binary content types: they travel base64-encoded through API Gateway (the stack lists them as
 * the API's binary media types) and in shadow messages.
 */
export const BINARY_MEDIA_TYPES = [
  'application/x-npy',
  'application/x-recordio-protobuf',
  'application/octet-stream',
  'image/jpeg',
  'image/png',
] as const;

/** Content types SageMaker built-in and common custom containers accept. */
const SUPPORTED_MEDIA_TYPES = new Set<string>([
  'application/json',
  'application/jsonlines',
  'application/x-ndjson',
  'text/csv',
  'text/plain',
  ...BINARY_MEDIA_TYPES,
]);

const TEXT_MEDIA_TYPES = new Set([
  'application/json',
  'application/jsonlines',
  'application/x-ndjson',
  'text/csv',
  'text/plain',
]);

const MAX_USER_ID_LENGTH = 256;

export interface RawHttpRequest {
  readonly headers: Readonly<Record<string, string | undefined>> | null;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

export interface PredictRequest {
  readonly requestId: string;
  /** Raw `X-User-Id`; the router hashes it at once and never stores or logs it. */
  readonly userId: string | undefined;
  readonly contentType: string;
  readonly accept: string | undefined;
  /** Body as received: utf8 text, or base64 for binary media types. */
  readonly body: string;
  readonly encoding: BodyEncoding;
  readonly bytes: Buffer;
}

export function mediaTypeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export function isTextMediaType(contentType: string): boolean {
  const mediaType = mediaTypeOf(contentType);
  return TEXT_MEDIA_TYPES.has(mediaType) || mediaType.startsWith('text/') || mediaType.endsWith('+json');
}

/**
 * Validates a `POST /predict` request. The request id is resolved first so that every
 * rejection can still be correlated by the caller.
 */
export function parsePredictRequest(
  request: RawHttpRequest,
  maxPayloadBytes: number,
  inputContract?: InputContract,
): PredictRequest {
  const requestId = requestIdFrom(headerValue(request.headers, 'x-request-id'));
  try {
    return parseWithId(request, requestId, maxPayloadBytes, inputContract);
  } catch (error) {
    if (error instanceof Error) Object.assign(error, { requestId });
    throw error;
  }
}

function parseWithId(
  request: RawHttpRequest,
  requestId: string,
  maxPayloadBytes: number,
  inputContract: InputContract | undefined,
): PredictRequest {
  const contentType = headerValue(request.headers, 'content-type')?.trim() || 'application/json';
  const mediaType = mediaTypeOf(contentType);
  const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
  if (inputContract !== undefined && !isJson) {
    throw new UnsupportedMediaTypeError(
      `This API's input contract is JSON: send Content-Type application/json, not "${mediaType.slice(0, 100)}"`,
    );
  }
  if (!SUPPORTED_MEDIA_TYPES.has(mediaType)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type "${mediaType.slice(0, 100)}" is not supported; use one of ${[...SUPPORTED_MEDIA_TYPES].join(', ')}`,
    );
  }

  const userId = headerValue(request.headers, 'x-user-id');
  if (userId !== undefined && (userId.length > MAX_USER_ID_LENGTH || hasControlCharacter(userId))) {
    throw new BadRequestError(
      `X-User-Id must be 1-${MAX_USER_ID_LENGTH} characters without control characters`,
      'invalid_user_id',
    );
  }

  const bytes =
    request.body === null
      ? Buffer.alloc(0)
      : Buffer.from(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length === 0) throw new BadRequestError('The request body is empty', 'empty_body');
  if (bytes.length > maxPayloadBytes) {
    throw new PayloadTooLargeError(
      `The request body is ${bytes.length} bytes; the limit is ${maxPayloadBytes}`,
    );
  }

  const isText = isTextMediaType(contentType);
  if (isText && !isUtf8(bytes))
    throw new BadRequestError(`A ${mediaType} body must be valid UTF-8`, 'invalid_encoding');
  if (isJson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new BadRequestError('The request body is not valid JSON', 'invalid_json');
    }
    const violations = inputContract?.(parsed) ?? [];
    if (violations.length > 0) {
      throw new BadRequestError(
        `The request does not match this API's input contract: ${violations.join('; ')}`,
        'invalid_input',
      );
    }
  }

  const accept = headerValue(request.headers, 'accept')?.trim() || undefined;
  return {
    requestId,
    userId: userId === '' ? undefined : userId,
    contentType,
    accept,
    body: isText ? bytes.toString('utf8') : bytes.toString('base64'),
    encoding: isText ? 'utf8' : 'base64',
    bytes,
  };
}

/** User ids are opaque keys, not text to render: control characters are refused. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Request id attached to an error thrown after the id was resolved. */
export function requestIdOf(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'requestId' in error) {
    const id = (error as { requestId: unknown }).requestId;
    return typeof id === 'string' ? id : null;
  }
  return null;
}
