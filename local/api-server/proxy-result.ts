import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { appendHeader, callerKeyedMap, hasHeader, type MultiValueHeaders } from './headers';

export class MalformedProxyResultError extends Error {
  override readonly name = 'MalformedProxyResultError';
}

/** Checks a handler's answer the way API Gateway does before turning it into an HTTP response. */
export function checkProxyResult(value: unknown): APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null)
    throw new MalformedProxyResultError('result is not an object');
  const result = value as Partial<APIGatewayProxyResult>;
  if (typeof result.statusCode !== 'number' || !Number.isInteger(result.statusCode)) {
    throw new MalformedProxyResultError('statusCode is not an integer');
  }
  if (result.body !== undefined && typeof result.body !== 'string') {
    throw new MalformedProxyResultError('body is not a string');
  }
  return result as APIGatewayProxyResult;
}

/** Writes a proxy result: headers and multiValueHeaders merged, base64 bodies decoded. */
export function writeProxyResult(
  res: ServerResponse,
  result: APIGatewayProxyResult,
  gatewayHeaders: Record<string, string>,
): void {
  const headers: MultiValueHeaders = callerKeyedMap();
  const add = (name: string, value: string) => appendHeader(headers, name, value);
  for (const [name, value] of Object.entries(result.headers ?? {})) add(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    for (const value of values) add(name, String(value));
  }
  if (!hasHeader(headers, 'content-type')) {
    add('Content-Type', 'application/json');
  }
  for (const [name, value] of Object.entries(gatewayHeaders)) add(name, value);
  const body = result.body ?? '';
  const bytes = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  res.writeHead(result.statusCode, { ...headers, 'Content-Length': String(bytes.length) });
  res.end(bytes);
}
