import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApiError } from './errors';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly requestId: string | null };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  requestId: string | null,
): APIGatewayProxyResult {
  const body: ErrorBody = { error: { code, message, requestId } };
  return jsonResponse(status, body, requestId === null ? {} : { 'X-Request-Id': requestId });
}

/** Maps any error to the JSON error shape; unknown errors become a 500 that reveals nothing. */
export function responseForError(error: unknown, requestId: string | null): APIGatewayProxyResult {
  if (error instanceof ApiError) return errorResponse(error.status, error.code, error.message, requestId);
  return errorResponse(500, 'internal_error', 'Internal error', requestId);
}

/** Header lookup that ignores case, as HTTP does. API Gateway passes headers as sent. */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
