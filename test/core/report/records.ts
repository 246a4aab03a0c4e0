import type { ComparisonResult } from '../../../lambda/core/comparators/types';
import type { ComparisonRecord, Outcome, StoredModelResult } from '../../../lambda/core/comparison-record';
import type { Guardrails } from '../../../lambda/core/guardrails';

export const GUARDRAILS: Guardrails = {
  maxP99LatencyMs: 300,
  maxLatencyIncreaseMs: 50,
  maxErrorRate: 0.01,
  minAgreement: 0.9,
  maxConversionDrop: 0.01,
  minSampleSize: 100,
  minConversionTraffic: 20,
  maxShadowBacklogAgeSeconds: 300,
};

export const ok = (endpoint: string, latencyMs: number, body = '{"label":"a"}'): StoredModelResult => ({
  endpoint,
  latencyMs,
  status: 'ok',
  contentType: 'application/json',
  body,
  encoding: 'utf8',
});

export const failed = (endpoint: string, latencyMs = 3000): StoredModelResult => ({
  endpoint,
  latencyMs,
  status: 'error',
  error: { code: 'timeout', message: 'timed out' },
});

export const agree: ComparisonResult = { comparator: 'exact', agree: true, metrics: { equal: 1 } };
export const disagree = (reason = 'JSON answers differ'): ComparisonResult => ({
  comparator: 'exact',
  agree: false,
  metrics: { equal: 0 },
  reason,
});

/** One hand-made record: production served, one candidate replayed (or none). */
export function aRecord(
  i: number,
  parts: {
    readonly served?: StoredModelResult;
    readonly replay?: StoredModelResult | null;
    readonly comparison?: ComparisonResult;
    readonly servedVariant?: 'production' | 'canary';
    readonly outcome?: Omit<Outcome, 'receivedAt'>;
    readonly receivedAt?: string;
    /** Production re-invoked and compared with itself. */
    readonly noiseBaseline?: ComparisonResult;
  } = {},
): ComparisonRecord {
  const receivedAt = parts.receivedAt ?? new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
  const replay = parts.replay === undefined ? ok('candidate', 100) : parts.replay;
  return {
    requestId: `r${i}`,
    receivedAt,
    comparedAt: receivedAt,
    servedVariant: parts.servedVariant ?? 'production',
    userKey: null,
    input: { contentType: 'application/json', bytes: 2, sha256: 'x' },
    production: parts.served ?? ok('production', 100),
    candidates:
      replay === null
        ? []
        : [
            parts.comparison === undefined
              ? { endpoint: replay.endpoint, result: replay }
              : { endpoint: replay.endpoint, result: replay, comparison: parts.comparison },
          ],
    ...(parts.outcome === undefined ? {} : { outcome: { ...parts.outcome, receivedAt } }),
    ...(parts.noiseBaseline === undefined
      ? {}
      : {
          noiseBaseline: {
            endpoint: 'production',
            result: ok('production', 100),
            comparison: parts.noiseBaseline,
          },
        }),
    expiresAt: 0,
  };
}

export const times = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));
