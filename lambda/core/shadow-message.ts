import * as v from 'valibot';
import type { BodyEncoding, ModelResult } from './model-result';
import { fields, isPlainObject, numberIn, schemaProblems } from './schema';
import type { ServedVariant } from './variants';

/** Version 2 calls the caller's answer `served`; version 1 (still read) called it `production`. */
export const SHADOW_MESSAGE_VERSION = 2;

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
  /** The answer the caller got: production's, or the canary's for a canary-served request. */
  readonly served: ModelResult;
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
 * What the worker checks of a message, built on first use (the router never parses one). Version
 * 1 messages, sent by routers deployed before version 2 and still in the queue, carry the served
 * answer as `production`; both are read and returned as version 2.
 */
function shadowMessageSchema() {
  const result = fields({
    endpoint: v.string('must be a string'),
    status: v.picklist(['ok', 'error', 'client_error'], 'must be ok, error or client_error'),
  });
  const common = {
    requestId: v.pipe(v.string('missing'), v.minLength(1, 'missing')),
    receivedAt: v.pipe(
      v.string('invalid'),
      v.check((at) => !Number.isNaN(Date.parse(at)), 'invalid'),
    ),
    userKey: v.nullable(v.string('invalid'), 'invalid'),
    servedVariant: v.picklist(['production', 'canary'], 'invalid'),
    request: fields({
      contentType: v.string('must be a string'),
      body: v.string('must be a string'),
      encoding: v.picklist(['utf8', 'base64'], 'must be utf8 or base64'),
    }),
    candidates: v.array(v.string('invalid'), 'invalid'),
    experiment: v.optional(v.pipe(v.string('invalid'), v.minLength(1, 'invalid'))),
    shadowSampled: v.optional(v.boolean('invalid')),
    servedTimeoutMs: v.optional(numberIn(Number.MIN_VALUE, Infinity, 'invalid')),
  };
  return v.variant(
    'v',
    [
      fields({ v: v.literal(2), ...common, served: result }),
      fields({ v: v.literal(1), ...common, production: result }),
    ],
    (issue) => `unsupported version ${String(issue.input)}`,
  );
}

let schema: ReturnType<typeof shadowMessageSchema> | undefined;

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
  if (!isPlainObject(value)) throw new InvalidShadowMessageError('shadow message is not an object');
  schema ??= shadowMessageSchema();
  const problems = schemaProblems(schema, value);
  if (problems.length > 0)
    throw new InvalidShadowMessageError(`invalid shadow message: ${problems.join('; ')}`);
  if (value.v === 2) return value as unknown as ShadowMessage;
  const { production, ...rest } = value as Record<string, unknown>;
  return { ...rest, v: SHADOW_MESSAGE_VERSION, served: production } as unknown as ShadowMessage;
}
