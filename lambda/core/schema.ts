import * as v from 'valibot';

/*
 * Schemas at the boundaries (what arrives from outside: messages, posts, config documents) are
 * valibot schemas: one declaration gives the type (`v.InferOutput`) and the check. These helpers
 * turn valibot's issues into this project's one-sentence problems: `fields[1].path must be …`.
 * Build schemas inside a function called on first use, never at module scope: esbuild keeps
 * every call made at module scope of an imported module, so a schema built there would put
 * valibot into every bundle that imports the module (the router's among them).
 */

// biome-ignore lint/suspicious/noExplicitAny: any schema
type AnySchema = v.GenericSchema<any, any>;

/** Every problem with `value`, one sentence each, prefixed with where it is; empty when valid. */
export function schemaProblems(schema: AnySchema, value: unknown, prefix = ''): string[] {
  const result = v.safeParse(schema, value);
  if (result.success) return [];
  return result.issues.map((issue) => {
    const where = prefix + pathOf(issue.path);
    // A message that starts with ':' explains a value (`labelPath: invalid JSON path "a..b"`).
    if (where === '') return issue.message.replace(/^: /, '');
    return issue.message.startsWith(':') ? `${where}${issue.message}` : `${where} ${issue.message}`;
  });
}

function pathOf(path: readonly { readonly key?: unknown }[] | undefined): string {
  let text = '';
  for (const item of path ?? []) {
    if (typeof item.key === 'number') text += `[${item.key}]`;
    else text += text === '' ? String(item.key) : `.${String(item.key)}`;
  }
  return text;
}

/**
 * An object whose missing keys are reported with the key's own message (`labelPath must be a
 * JSON path string`) rather than valibot's generic one; unknown keys are ignored.
 */
export function fields<const E extends v.ObjectEntries>(entries: E) {
  return v.object(entries, (issue) => {
    const key = issue.path?.at(-1)?.key;
    const entry = typeof key === 'string' ? (entries as v.ObjectEntries)[key] : undefined;
    return (entry && v.safeParse(entry, undefined).issues?.[0]?.message) || 'must be a JSON object';
  });
}

/** A finite number in a range, with one message for every way of missing it. */
export function numberIn(min: number, max: number, message: string, integer = false) {
  return v.pipe(
    v.number(message),
    v.check(
      (n: number) => Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n)),
      message,
    ),
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
