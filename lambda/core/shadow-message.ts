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
  if (problems.length > 0)
    throw new InvalidShadowMessageError(`invalid shadow message: ${problems.join('; ')}`);
  return value as ShadowMessage;
}
