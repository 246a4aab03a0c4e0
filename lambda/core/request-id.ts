import { randomUUID } from 'node:crypto';
import { BadRequestError } from './errors';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/**
 * `.` and `..` are path segments every HTTP client and gateway resolves away (even
 * percent-encoded), so `GET /comparisons/..` could never read such a record back.
 */
const DOT_SEGMENT = /^\.{1,2}$/;

/** Whether an id is accepted: every accepted id round-trips through `GET /comparisons/{id}`. */
export function isValidRequestId(id: string): boolean {
  return REQUEST_ID.test(id) && !DOT_SEGMENT.test(id);
}

/** The caller's id when valid; a new one when absent; an invalid one is rejected, never replaced. */
export function requestIdFrom(header: string | undefined): string {
  if (header === undefined) return randomUUID();
  if (!isValidRequestId(header)) {
    throw new BadRequestError(
      'X-Request-Id must be 1-128 characters of A-Z a-z 0-9 . _ - (and not "." or "..")',
      'invalid_request_id',
    );
  }
  return header;
}
