import { createHash, createHmac } from 'node:crypto';
import type { ServedVariant } from './variants';

/**
 * Deterministic routing decisions. Each decision hashes with its own salt, so being in the
 * canary says nothing about being shadow-sampled, and both are stable for a given config.
 */

const TWO_POW_52 = 2 ** 52;

/** Uniform position in [0, 1) of `key` for the decision named by `salt`. */
export function bucketOf(key: string, salt: string): number {
  const digest = createHash('sha256').update(salt).update('\u0000').update(key).digest();
  // 52 bits fit a double exactly, so the position is uniform and platform-independent.
  const high = digest.readUInt32BE(0) >>> 12;
  const low = digest.readUInt32BE(4);
  return (high * 2 ** 32 + low) / TWO_POW_52;
}

/** Salted, keyed hash of a user id: what is stored and bucketed instead of the id itself. */
export function hashUserKey(userId: string, salt: string): string {
  return createHmac('sha256', salt).update(userId).digest('hex').slice(0, 32);
}

/**
 * Sticky canary assignment. Raising the share only adds users to the canary (a user's bucket
 * never moves), so a rollout from 5% to 20% keeps the first 5% where they were.
 */
export function servedVariantFor(stickyKey: string, canaryPercent: number, salt: string): ServedVariant {
  return bucketOf(stickyKey, `${salt}:canary`) * 100 < canaryPercent ? 'canary' : 'production';
}

/** Shadow sample decision from the request id: a redelivered request decides the same way. */
export function isShadowSampled(requestId: string, sampleRate: number, salt: string): boolean {
  return bucketOf(requestId, `${salt}:shadow`) < sampleRate;
}

/** Whether the worker re-invokes production for this request to measure its own noise. */
export function isNoiseBaselineSampled(requestId: string, rate: number): boolean {
  return bucketOf(requestId, 'noise-baseline') < rate;
}
