import type { ComparisonResult } from './comparators/types';
import type { ModelResult } from './model-result';
import type { ServedVariant } from './variants';

/** A model result as stored: the body may be truncated to keep the item well under 400 KB. */
export interface StoredModelResult extends ModelResult {
  readonly bodyTruncated?: boolean;
}

export interface CandidateComparison {
  readonly endpoint: string;
  readonly result: StoredModelResult;
  /** Absent when either side failed: there is nothing to compare. */
  readonly comparison?: ComparisonResult;
}

/** The business outcome posted to `POST /outcomes`, joined to the request's record. */
export interface Outcome {
  readonly converted?: boolean;
  readonly value?: number;
  readonly label?: unknown;
  readonly receivedAt: string;
}

/** The captured request input: bounded, or only its hash when input capture is off. */
export interface StoredInput {
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly body?: string;
  readonly encoding?: 'utf8' | 'base64';
  readonly truncated?: boolean;
}

/**
 * One DynamoDB item per request id. The worker writes the comparison part once
 * (conditional on `comparedAt` being absent); `POST /outcomes` writes `outcome`,
 * in either order, so both end in one joined record.
 */
export interface ComparisonRecord {
  readonly requestId: string;
  readonly receivedAt: string;
  readonly comparedAt: string;
  readonly servedVariant: ServedVariant;
  /** The experiment (runtime config version that started it) the router applied. */
  readonly experiment?: string;
  /** False for a request recorded only to join its outcome (no replay). @default candidates.length > 0 */
  readonly shadowSampled?: boolean;
  /** Timeouts in force for the served call (router) and the candidate calls (worker). */
  readonly servedTimeoutMs?: number;
  readonly candidateTimeoutMs?: number;
  readonly userKey: string | null;
  readonly input: StoredInput;
  /** The answer the caller got: production's, or the canary's (`servedVariant` says which). */
  readonly served: StoredModelResult;
  readonly candidates: readonly CandidateComparison[];
  /**
   * Production invoked a second time and compared with its own first answer, for a sample of
   * requests: the self-disagreement a nondeterministic model shows, against which the
   * candidate's disagreement is judged. Its result carries no answer body (the served one is above).
   */
  readonly noiseBaseline?: CandidateComparison;
  readonly outcome?: Outcome;
  /** Epoch seconds; DynamoDB TTL deletes the item after this. */
  readonly expiresAt: number;
}

/** Keeps a stored body within `maxBytes`, marking it when cut. */
export function boundedResult(result: ModelResult, maxBytes: number): StoredModelResult {
  if (result.body === undefined || Buffer.byteLength(result.body, 'utf8') <= maxBytes) return result;
  return { ...result, body: truncateUtf8(result.body, maxBytes), bodyTruncated: true };
}

export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Cutting a multi-byte character leaves a replacement char at the end; drop it.
  return bytes
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/**
 * When DynamoDB's TTL removes a request's record (epoch seconds): `ttlDays` after the request was
 * received. An outcome posted before its comparison gets the same lifetime.
 */
export function expiresAtFor(receivedAt: string, ttlDays: number): number {
  return Math.floor(Date.parse(receivedAt) / 1000) + ttlDays * 86_400;
}

/**
 * A stored item as the current record: items written before the served answer was called
 * `served` hold it as `production` (the field also held the canary's answer, hence the rename).
 */
export function storedRecord(item: Record<string, unknown>): ComparisonRecord {
  if (item.served !== undefined || item.production === undefined) return item as unknown as ComparisonRecord;
  const { production, ...rest } = item;
  return { ...rest, served: production } as unknown as ComparisonRecord;
}
