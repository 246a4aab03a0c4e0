import type { ModelAnswer } from './types';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a stored or received model body into what comparators see. Never throws: an answer
 * that cannot be decoded is still an answer (its raw text), and comparing it must not fail the
 * worker's batch.
 *
 * - base64 bodies become text only when the bytes are valid UTF-8; binary answers keep their
 *   base64 text, so two binary answers still compare byte for byte.
 * - JSON is parsed whenever the text parses, whatever the content type says: models often answer
 *   JSON as `text/plain` or `application/octet-stream`, and a JSON-typed body that does not parse
 *   is compared as text rather than dropped.
 */
export function decodeAnswer(contentType: string, body: string, encoding: 'utf8' | 'base64'): ModelAnswer {
  const text = encoding === 'base64' ? (base64ToUtf8(body) ?? body) : body;
  const json = parseJson(text);
  return json.ok ? { contentType, text, json: json.value } : { contentType, text };
}

function base64ToUtf8(body: string): string | undefined {
  const compact = body.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  try {
    return strictUtf8.decode(Buffer.from(compact, 'base64'));
  } catch {
    return undefined;
  }
}

function parseJson(text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch {
    return { ok: false };
  }
}
