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
