import fc from 'fast-check';
import { isValidRequestId, requestIdFrom } from '../../../lambda/core/request-id';
import { matchRoute, routes } from '../../../local/api-server/routes';

/** How a client and the gateway see `GET /comparisons/{id}`: the URL is resolved, then matched. */
function readBackId(id: string): string | undefined {
  const url = new URL(`/comparisons/${encodeURIComponent(id)}`, 'http://localhost');
  const match = matchRoute(routes, 'GET', url.pathname);
  return match.kind === 'found' ? match.pathParameters.requestId : undefined;
}

describe('request ids', () => {
  it.each([
    ['abc-1', true],
    ['A.b_c-9', true],
    ['...', true],
    ['.a', true],
    ['a'.repeat(128), true],
    ['', false],
    ['.', false],
    ['..', false],
    ['a'.repeat(129), false],
    ['bad id', false],
    ['a/b', false],
    ['%2e', false],
  ])('%j is accepted: %s', (id, accepted) => {
    expect(isValidRequestId(id)).toBe(accepted);
  });

  it('rejects "." and ".." with a 400 instead of storing what GET /comparisons cannot read', () => {
    for (const id of ['.', '..']) {
      expect(() => requestIdFrom(id)).toThrow(
        expect.objectContaining({ status: 400, code: 'invalid_request_id' }),
      );
    }
  });

  it('every accepted id round-trips through the GET /comparisons/{id} path', () => {
    const idChar = fc.constantFrom(...'abcXYZ019._-'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: idChar, minLength: 1, maxLength: 130 }), (id) => {
        if (isValidRequestId(id)) expect(readBackId(id)).toBe(id);
      }),
      { numRuns: 2000, seed: 10 },
    );
    // The ids that do not round-trip are exactly the rejected dot segments.
    expect(readBackId('..')).toBeUndefined();
    expect(readBackId('.')).toBeUndefined();
  });
});
