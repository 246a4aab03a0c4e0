import { createHash } from 'node:crypto';

/** A short, stable name for a report request's cache key (the key itself is kept and compared). */
export function analysisKeyDigest(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
