import type { ComparisonRecord, StoredModelResult } from '../../lambda/core/comparison-record';

/** A stored model answer. */
export const okResult = (endpoint: string, latencyMs = 20, label = 'churn'): StoredModelResult => ({
  endpoint,
  latencyMs,
  status: 'ok',
  contentType: 'application/json',
  body: JSON.stringify({ label, probability: 0.8 }),
  encoding: 'utf8',
});

/** A stored failed call. */
export const failedResult = (endpoint: string, latencyMs = 3000): StoredModelResult => ({
  endpoint,
  latencyMs,
  status: 'error',
  error: { code: 'timeout', message: 'timed out' },
});

/** A comparison record as the worker stores it: churn-v1 served, churn-v2 replayed and agreeing. */
export function comparisonRecord(
  requestId: string,
  overrides: Partial<ComparisonRecord> = {},
): ComparisonRecord {
  return {
    requestId,
    receivedAt: '2026-11-30T10:00:00.000Z',
    comparedAt: '2026-11-30T10:00:01.000Z',
    servedVariant: 'production',
    experiment: 'v1',
    shadowSampled: true,
    servedTimeoutMs: 3000,
    candidateTimeoutMs: 5000,
    userKey: 'a'.repeat(32),
    input: {
      contentType: 'application/json',
      bytes: 2,
      sha256: '0'.repeat(64),
      body: '{}',
      encoding: 'utf8',
    },
    served: okResult('churn-v1'),
    candidates: [
      {
        endpoint: 'churn-v2',
        result: okResult('churn-v2', 25),
        comparison: { comparator: 'exact', agree: true, metrics: { equal: 1 } },
      },
    ],
    expiresAt: 1_800_000_000,
    ...overrides,
  };
}
