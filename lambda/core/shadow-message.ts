import type { BodyEncoding, ModelResult } from './model-result';
import type { ServedVariant } from './variants';

export const SHADOW_MESSAGE_VERSION = 1;

/**
 * The SQS message the router dispatches for a shadow-sampled request and the worker consumes.
 * Versioned: the worker rejects versions it does not know rather than guessing.
 */
export interface ShadowMessage {
  readonly v: typeof SHADOW_MESSAGE_VERSION;
  readonly requestId: string;
  /** ISO-8601 time the router received the request. */
  readonly receivedAt: string;
  /** Salted hash of `X-User-Id`, or null when the caller sent none. Never the raw id. */
  readonly userKey: string | null;
  readonly servedVariant: ServedVariant;
  readonly request: {
    readonly contentType: string;
    readonly accept: string;
    readonly body: string;
    readonly encoding: BodyEncoding;
  };
  /** What the caller was served (production, or the canary). */
  readonly production: ModelResult;
  /** Endpoint names of the candidates to replay the request against. */
  readonly candidates: readonly string[];
  /**
   * The experiment the router applied (the runtime config version that started it). Absent in
   * messages from routers older than the evidence log: analysed as experiment `unknown`.
   */
  readonly experiment?: string;
  /**
   * Whether the request was shadow-sampled. False for a request recorded only so its outcome can
   * be joined (every request is recorded while a canary runs). @default candidates.length > 0
   */
  readonly shadowSampled?: boolean;
  /** The router's model timeout, so a failed served call counts at least as the timeout. */
  readonly servedTimeoutMs?: number;
}

export class InvalidShadowMessageError extends Error {
  override readonly name = 'InvalidShadowMessageError';
}

/** Serialized size in bytes, as SQS counts it against the message limit. */
export function messageBytes(message: ShadowMessage): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

/**
 * Parses and checks an SQS body. The worker only trusts what it checked: a message from an
 * unknown version or with missing parts is rejected rather than half-processed.
 */
export function parseShadowMessage(body: string): ShadowMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidShadowMessageError('shadow message is not JSON');
  }
  const problems: string[] = [];
  const m = value as Partial<Record<keyof ShadowMessage, unknown>>;
  if (typeof value !== 'object' || value === null)
    throw new InvalidShadowMessageError('shadow message is not an object');
  if (m.v !== SHADOW_MESSAGE_VERSION) problems.push(`unsupported version ${String(m.v)}`);
  if (typeof m.requestId !== 'string' || m.requestId === '') problems.push('requestId missing');
  if (typeof m.receivedAt !== 'string' || Number.isNaN(Date.parse(m.receivedAt)))
    problems.push('receivedAt invalid');
  if (m.userKey !== null && typeof m.userKey !== 'string') problems.push('userKey invalid');
  if (m.servedVariant !== 'production' && m.servedVariant !== 'canary')
    problems.push('servedVariant invalid');
  const request = m.request as Partial<ShadowMessage['request']> | undefined;
  if (
    typeof request !== 'object' ||
    request === null ||
    typeof request.body !== 'string' ||
    typeof request.contentType !== 'string' ||
    (request.encoding !== 'utf8' && request.encoding !== 'base64')
  ) {
    problems.push('request invalid');
  }
  const production = m.production as Partial<ShadowMessage['production']> | undefined;
  if (
    typeof production !== 'object' ||
    production === null ||
    typeof production.endpoint !== 'string' ||
    (production.status !== 'ok' && production.status !== 'error' && production.status !== 'client_error')
  ) {
    problems.push('production result invalid');
  }
  if (!Array.isArray(m.candidates) || m.candidates.some((c) => typeof c !== 'string'))
    problems.push('candidates invalid');
  if (m.experiment !== undefined && (typeof m.experiment !== 'string' || m.experiment === ''))
    problems.push('experiment invalid');
  if (m.shadowSampled !== undefined && typeof m.shadowSampled !== 'boolean')
    problems.push('shadowSampled invalid');
  if (
    m.servedTimeoutMs !== undefined &&
    !(typeof m.servedTimeoutMs === 'number' && Number.isFinite(m.servedTimeoutMs) && m.servedTimeoutMs > 0)
  )
    problems.push('servedTimeoutMs invalid');
  if (problems.length > 0)
    throw new InvalidShadowMessageError(`invalid shadow message: ${problems.join('; ')}`);
  return value as ShadowMessage;
}
