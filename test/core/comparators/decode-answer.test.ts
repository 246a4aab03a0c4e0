import { decodeAnswer } from '../../../lambda/core/comparators/decode-answer';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('decodeAnswer', () => {
  it('parses a JSON body', () => {
    expect(decodeAnswer('application/json', '{"label":"churn"}', 'utf8')).toEqual({
      contentType: 'application/json',
      text: '{"label":"churn"}',
      json: { label: 'churn' },
    });
  });

  it('parses JSON sent with a non-JSON content type', () => {
    expect(decodeAnswer('text/plain', ' [1, 2] \n', 'utf8').json).toEqual([1, 2]);
  });

  it('keeps JSON null as a JSON answer', () => {
    const answer = decodeAnswer('application/json', 'null', 'utf8');
    expect('json' in answer).toBe(true);
    expect(answer.json).toBeNull();
  });

  it.each([
    ['text/csv', '0.1,0.9'],
    ['application/json', '{"truncated": '],
    ['text/plain', ''],
    ['text/plain', 'churn'],
  ])('leaves %s %j as text without json', (contentType, body) => {
    const answer = decodeAnswer(contentType, body, 'utf8');
    expect(answer.text).toBe(body);
    expect('json' in answer).toBe(false);
  });

  it('decodes base64 UTF-8 text, then parses JSON', () => {
    const answer = decodeAnswer('application/json', b64('{"ü":"ß"}'), 'base64');
    expect(answer.text).toBe('{"ü":"ß"}');
    expect(answer.json).toEqual({ ü: 'ß' });
  });

  it('keeps base64 text for binary (invalid UTF-8) answers', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('base64');
    expect(decodeAnswer('application/octet-stream', binary, 'base64')).toEqual({
      contentType: 'application/octet-stream',
      text: binary,
    });
  });

  it('keeps the body when it is not base64 at all', () => {
    expect(decodeAnswer('text/plain', 'not base64!', 'base64').text).toBe('not base64!');
  });

  it('never throws, whatever the input', () => {
    const bodies = ['\u0000', '{', '"', 'ZZZ=', '====', '\uD800', 'a'.repeat(10_000)];
    for (const body of bodies)
      for (const encoding of ['utf8', 'base64'] as const) {
        expect(() => decodeAnswer('', body, encoding)).not.toThrow();
      }
  });
});
