/**
 * A deliberately tiny JSON path: `label`, `a.b`, `predictions[0].label`, `$.x`, `$['odd key']`.
 * Enough to point a comparator at a field of a model answer; no wildcards or filters, so a
 * path always names at most one value and comparing it is unambiguous.
 */
export type JsonPathSegment = string | number;

export class InvalidJsonPathError extends Error {
  override readonly name = 'InvalidJsonPathError';
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*/;

/** Parses a path into segments; throws `InvalidJsonPathError` naming the path when it is malformed. */
export function parseJsonPath(path: string): readonly JsonPathSegment[] {
  const fail = (why: string): never => {
    throw new InvalidJsonPathError(`invalid JSON path "${path}": ${why}`);
  };
  let rest = path.trim();
  if (rest === '') fail('empty');
  if (rest.startsWith('$')) {
    rest = rest.slice(1);
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest === '') fail('nothing after "$."');
    }
  }
  const segments: JsonPathSegment[] = [];
  let expectSeparator = false;
  while (rest !== '') {
    if (rest.startsWith('[')) {
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
      if (index?.[1] !== undefined) {
        segments.push(Number(index[1]));
        rest = rest.slice(index[0].length);
      } else if (quoted) {
        segments.push((quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1'));
        rest = rest.slice(quoted[0].length);
      } else {
        fail("brackets must hold an index like [0] or a quoted key like ['name']");
      }
      expectSeparator = true;
      continue;
    }
    if (expectSeparator) {
      if (!rest.startsWith('.')) fail(`unexpected "${rest[0]}"`);
      rest = rest.slice(1);
    }
    const name = IDENTIFIER.exec(rest);
    if (!name) fail(rest === '' ? 'ends with "."' : `unexpected "${rest[0]}"`);
    segments.push((name as RegExpExecArray)[0]);
    rest = rest.slice((name as RegExpExecArray)[0].length);
    expectSeparator = true;
  }
  return segments;
}

/** The value at `segments`, or `{ found: false }` when any step is missing (no exceptions). */
export function getAtPath(
  value: unknown,
  segments: readonly JsonPathSegment[],
): { readonly found: true; readonly value: unknown } | { readonly found: false } {
  let current: unknown = value;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return { found: false };
      if (!Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

/** Convenience for one-off lookups: parses `path` then reads it. */
export function getPath(value: unknown, path: string): unknown {
  const result = getAtPath(value, parseJsonPath(path));
  return result.found ? result.value : undefined;
}
