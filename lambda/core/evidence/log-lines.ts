/**
 * The evidence log: append-only JSON lines, one object per line, the same in S3 (Firehose) and
 * locally (files under the data dir). Appended at least once; analysis deduplicates (first line
 * wins per key). Flat on purpose: every column is a scalar, so one SQL text runs on DuckDB and on
 * Athena (Trino) without UNNEST or JSON functions. Layout and meaning: docs/evidence-log.md.
 *
 *   records/dt=YYYY-MM-DD/…   one line per request and judged candidate (key: requestId + candidate)
 *   outcomes/dt=YYYY-MM-DD/…  one line per outcome post (merged first-wins per field by requestId)
 *
 * `dt` is the day of `receivedAt` (UTC) for records and of the post for outcomes.
 */

/** The UTC day (`YYYY-MM-DD`) of an ISO-8601 time: the `dt` partition. */
export function dayOf(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().slice(0, 10);
}

export const EVIDENCE_LOG_VERSION = 1;

/** A model call as analysed: `client_error` is the caller's mistake and never counts for a model. */
export type CallStatus = 'ok' | 'error' | 'client_error';

/**
 * One request and one candidate it was replayed on (or none: `candidateEndpoint` null for a
 * request recorded while a canary runs but not shadow-sampled, or with no candidate).
 */
export interface RecordLine {
  readonly v: number;
  readonly requestId: string;
  /** The experiment: the runtime config version the router applied to this request. */
  readonly experiment: string;
  readonly receivedAt: string;
  /** `receivedAt` as epoch milliseconds: time buckets without engine-specific date functions. */
  readonly receivedAtMs: number;
  readonly dt: string;
  readonly servedVariant: 'production' | 'canary';
  /** Salted hash of the caller's user key, or null. */
  readonly userKey: string | null;
  /** True when the request was shadow-sampled (replayed on the candidates). */
  readonly shadowSampled: boolean;
  /** The answer the caller got. */
  readonly servedEndpoint: string;
  readonly servedStatus: CallStatus;
  readonly servedErrorCode: string | null;
  readonly servedLatencyMs: number;
  /** Predicted label of the served answer (comparator's label path), for accuracy; null if none. */
  readonly servedLabel: string | null;
  readonly candidateEndpoint: string | null;
  readonly candidateStatus: CallStatus | null;
  readonly candidateErrorCode: string | null;
  readonly candidateLatencyMs: number | null;
  readonly candidateLabel: string | null;
  /** Null when either side failed (nothing to compare) or there is no candidate. */
  readonly agree: boolean | null;
  readonly reason: string | null;
  /** Production re-invoked and compared with itself (noise baseline): null when not sampled. */
  readonly noiseAgree: boolean | null;
  /** Comparator numbers, one column per known metric; null when the comparator gives none. */
  readonly metricEqual: number | null;
  readonly metricLabelMatch: number | null;
  readonly metricScoreDelta: number | null;
  readonly metricFieldsChecked: number | null;
  readonly metricFieldsDisagreeing: number | null;
  readonly metricMaxAbsDelta: number | null;
  readonly metricOverlap: number | null;
  readonly metricRankCorrelation: number | null;
  /**
   * The candidate call's timeout at the time (the worker's), so a failed candidate call counts
   * at least as the timeout.
   */
  readonly timeoutMs: number;
  /** The served call's timeout at the time (the router's), likewise for a failed served call. */
  readonly servedTimeoutMs: number;
}

/** One `POST /outcomes` as posted: absent fields are null (merged first-wins per field). */
export interface OutcomeLine {
  readonly v: number;
  readonly requestId: string;
  readonly postedAt: string;
  readonly dt: string;
  readonly converted: boolean | null;
  readonly value: number | null;
  /** The true label, canonical string form; null when the post has none. */
  readonly label: string | null;
}
