import type { ComparisonRecord } from '../../lambda/core/comparison-record';
import { waitFor } from '../support/wait-for';

export const CHURN_EXAMPLE = { tenure_months: 4, monthly_charges: 89.5, support_calls: 3 };

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export async function predict(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export async function getComparison(url: string, requestId: string): Promise<ApiResponse> {
  const response = await fetch(`${url}/comparisons/${encodeURIComponent(requestId)}`);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Polls GET /comparisons/{id} until the worker has stored the record. */
export async function waitForComparison(
  url: string,
  requestId: string,
  timeoutMs = 20_000,
): Promise<ComparisonRecord> {
  return waitFor(
    async () => {
      const response = await getComparison(url, requestId);
      if (response.status === 404) return undefined;
      if (response.status !== 200)
        throw new Error(`GET /comparisons answered ${response.status}: ${response.text}`);
      return JSON.parse(response.text) as ComparisonRecord;
    },
    `the comparison record of ${requestId}`,
    timeoutMs,
  );
}

/** The API's error shape: `{"error": {"code", "message", "requestId"}}`. */
export function expectErrorShape(response: ApiResponse, status: number): { code: string } {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(response.text) as { error: { code: string; message: string; requestId: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({
    code: expect.any(String),
    message: expect.any(String),
    requestId: body.error.requestId,
  });
  expect(body.error.requestId === null || typeof body.error.requestId === 'string').toBe(true);
  return body.error;
}
