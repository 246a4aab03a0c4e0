import fc from 'fast-check';
import { ApiError } from '../../../lambda/core/errors';
import { parsePredictRequest, type RawHttpRequest, requestIdOf } from '../../../lambda/core/predict-request';

const LIMIT = 1000;
const json = (body: string, headers: Record<string, string> = {}): RawHttpRequest => ({
  headers: { 'Content-Type': 'application/json', ...headers },
  body,
  isBase64Encoded: false,
});

describe('parsePredictRequest', () => {
  it('accepts a JSON body and keeps it unchanged', () => {
    const parsed = parsePredictRequest(
      json('{"tenure_months": 4}', { 'X-Request-Id': 'abc-1', Accept: 'application/json' }),
      LIMIT,
    );
    expect(parsed).toMatchObject({
      requestId: 'abc-1',
      contentType: 'application/json',
      accept: 'application/json',
      body: '{"tenure_months": 4}',
      encoding: 'utf8',
    });
  });

  it('generates a request id when the caller sends none', () => {
    const a = parsePredictRequest(json('{}'), LIMIT).requestId;
    const b = parsePredictRequest(json('{}'), LIMIT).requestId;
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it('reads headers whatever their case and defaults the content type to JSON', () => {
    const parsed = parsePredictRequest(
      { headers: { 'x-request-id': 'R1', 'x-user-id': 'u-7' }, body: '[1]', isBase64Encoded: false },
      LIMIT,
    );
    expect(parsed).toMatchObject({ requestId: 'R1', userId: 'u-7', contentType: 'application/json' });
  });

  it('keeps binary bodies as base64', () => {
    const bytes = Buffer.from([0, 255, 1, 254]);
    const parsed = parsePredictRequest(
      {
        headers: { 'Content-Type': 'application/x-npy' },
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      },
      LIMIT,
    );
    expect(parsed.encoding).toBe('base64');
    expect(Buffer.from(parsed.body, 'base64')).toEqual(bytes);
  });

  it.each([
    ['an invalid request id', json('{}', { 'X-Request-Id': 'bad id!' }), 400, 'invalid_request_id'],
    [
      'a request id over 128 characters',
      json('{}', { 'X-Request-Id': 'a'.repeat(129) }),
      400,
      'invalid_request_id',
    ],
    ['malformed JSON', json('{"a":'), 400, 'invalid_json'],
    ['an empty body', json(''), 400, 'empty_body'],
    ['a null body', { headers: {}, body: null, isBase64Encoded: false }, 400, 'empty_body'],
    ['a body over the limit', json(`"${'x'.repeat(LIMIT)}"`), 413, 'payload_too_large'],
    [
      'an unsupported content type',
      json('<a/>', { 'Content-Type': 'application/xml' }),
      415,
      'unsupported_media_type',
    ],
    ['a user id with control characters', json('{}', { 'X-User-Id': 'a\nb' }), 400, 'invalid_user_id'],
    ['a user id over 256 characters', json('{}', { 'X-User-Id': 'u'.repeat(257) }), 400, 'invalid_user_id'],
    [
      'a text body that is not UTF-8',
      {
        headers: { 'Content-Type': 'text/csv' },
        body: Buffer.from([0xff, 0xfe, 0x41]).toString('base64'),
        isBase64Encoded: true,
      },
      400,
      'invalid_encoding',
    ],
  ] as const)('rejects %s', (_name, request, status, code) => {
    expect(() => parsePredictRequest(request, LIMIT)).toThrow(expect.objectContaining({ status, code }));
  });

  it('keeps the caller id on errors found after the id was read', () => {
    let caught: unknown;
    try {
      parsePredictRequest(json('{oops', { 'X-Request-Id': 'trace-9' }), LIMIT);
    } catch (error) {
      caught = error;
    }
    expect(requestIdOf(caught)).toBe('trace-9');
  });

  it('answers any input either with a parsed request or with a 4xx ApiError, never anything else', () => {
    const header = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('application/json', 'text/csv', 'image/png'),
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('Content-Type', 'x-request-id', 'X-User-Id', 'Accept', 'content-type'),
          header,
        ),
        fc.option(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.json()), { nil: null }),
        fc.boolean(),
        (headers, body, isBase64Encoded) => {
          try {
            const parsed = parsePredictRequest({ headers, body, isBase64Encoded }, LIMIT);
            expect(parsed.bytes.length).toBeGreaterThan(0);
            expect(parsed.bytes.length).toBeLessThanOrEqual(LIMIT);
          } catch (error) {
            expect(error).toBeInstanceOf(ApiError);
            expect((error as ApiError).status).toBeGreaterThanOrEqual(400);
            expect((error as ApiError).status).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
