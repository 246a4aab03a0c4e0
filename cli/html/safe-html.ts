/**
 * Markup that is already safe to embed. Only `html` and `raw` make one, so a string from the
 * data (an endpoint name, a disagreement reason, an alarm name) can only reach the page
 * through `html`'s escaping.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values alike (HTML and inline SVG). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** Values `html` accepts: nothing, text (escaped), numbers, safe markup, or lists of these. */
export type Fragment = SafeHtml | string | number | boolean | null | undefined | readonly Fragment[];

function embed(value: Fragment): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(embed).join('');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot embed ${value} in the report`);
    return String(value);
  }
  return escapeHtml(String(value));
}

/**
 * Template tag: every interpolated string is escaped, safe markup is kept, lists are joined and
 * `null`/`undefined`/booleans render nothing (for `${cond && html`…`}`). A non-finite number
 * throws rather than writing "NaN" into an SVG coordinate.
 */
export function html(strings: TemplateStringsArray, ...values: readonly Fragment[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += embed(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Trusted markup written in this module tree (CSS, fixed snippets); never data. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
