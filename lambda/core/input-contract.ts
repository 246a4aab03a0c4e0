/**
 * A stage's input contract: a JSON Schema the router checks a JSON request body against before
 * any model is called (a 400 naming what is wrong; nothing forwarded, nothing counted).
 *
 * A small subset of JSON Schema (2020-12 semantics), enough to state what a model accepts, with
 * no dependency in the router's bundle:
 *   type (one or a list of: object, array, string, number, integer, boolean, null), enum, const,
 *   properties, required, additionalProperties (boolean or schema), minProperties, maxProperties,
 *   items (one schema for every element), minItems, maxItems,
 *   minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers), multipleOf,
 *   minLength, maxLength (in code points), pattern (ECMAScript, unicode).
 * Annotations ($schema, $id, $comment, title, description, default, examples) are accepted and
 * ignored. Any other keyword ($ref, anyOf, format, …) is refused when the config is validated,
 * so a contract never silently checks less than it says.
 *
 * Why not a validator package: Ajv and its kin add tens to over a hundred KiB to the router's
 * bundle, whose budget is 300 KiB; this checker adds about 3.4 KiB minified (router ES module
 * bundle 306,262 bytes with it, esbuild with the stack's options, 2026-11-30). The full check of
 * a schema, with every problem listed, is `inputSchemaProblems` (input-schema-problems.ts), run
 * at synth and for the local models file, outside the router.
 *
 * Checking recurses only as deep as the schema, never as deep as the input, so a hostile body
 * (arrays nested 100,000 deep) costs one pass and no stack.
 */

export type InputSchema = Readonly<Record<string, unknown>>;

/** Reports at most this many violations: enough to fix a request, bounded for a hostile one. */
const MAX_VIOLATIONS = 5;

export const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;
type JsonType = (typeof TYPES)[number];

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples']);
export const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const;
export const COUNT_KEYWORDS = [
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  ...ANNOTATIONS,
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'pattern',
  'multipleOf',
  ...NUMBER_KEYWORDS,
  ...COUNT_KEYWORDS,
]);

export const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a parsed body against the contract: its violations, at most a few; none when it fits. */
export type InputContract = (body: unknown) => string[];

/**
 * The checker for a schema (validated in full by `inputSchemaProblems` at synth). Refuses, here
 * too, a keyword it would not check, so a contract never silently checks less than it says.
 */
export function inputContract(schema: InputSchema): InputContract {
  const unsupported = unsupportedKeyword(schema, '#');
  if (unsupported !== undefined) throw new Error(`input schema: ${unsupported} is not supported`);
  return (body) => {
    const violations: string[] = [];
    check(schema, body, '$', violations);
    return violations;
  };
}

function unsupportedKeyword(schema: unknown, at: string): string | undefined {
  if (!isObject(schema)) return undefined;
  for (const key of Object.keys(schema)) if (!SUPPORTED_KEYWORDS.has(key)) return `${at}/${key}`;
  const subs = Object.entries(isObject(schema.properties) ? schema.properties : {}).map(
    ([name, sub]): [string, unknown] => [`properties/${name}`, sub],
  );
  subs.push(['additionalProperties', schema.additionalProperties], ['items', schema.items]);
  for (const [path, sub] of subs) {
    const found = unsupportedKeyword(sub, `${at}/${path}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

/** Structural equality of JSON values, for enum and const (bounded by the schema's values). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isObject(a) && !Array.isArray(a)) return false;
  if (Array.isArray(a) !== Array.isArray(b) || typeof b !== 'object' || b === null) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** The bounds keywords: what they measure, lower or upper, exclusive, and the unit they count. */
const BOUNDS: Readonly<Record<string, readonly [JsonType, boolean, boolean, string]>> = {
  minimum: ['number', true, false, ''],
  maximum: ['number', false, false, ''],
  exclusiveMinimum: ['number', true, true, ''],
  exclusiveMaximum: ['number', false, true, ''],
  minLength: ['string', true, false, 'characters'],
  maxLength: ['string', false, false, 'characters'],
  minItems: ['array', true, false, 'items'],
  maxItems: ['array', false, false, 'items'],
  minProperties: ['object', true, false, 'properties'],
  maxProperties: ['object', false, false, 'properties'],
};

const patterns = new Map<string, RegExp>();

function check(schema: InputSchema, value: unknown, path: string, out: string[]): void {
  const fail = (message: string) => {
    if (out.length < MAX_VIOLATIONS) out.push(`${path} ${message}`);
  };
  const type = typeOf(value);
  if (schema.type !== undefined) {
    const types = [schema.type].flat() as JsonType[];
    if (!types.some((t) => t === type || (t === 'number' && type === 'integer'))) {
      const shown =
        value !== null && typeof value !== 'object' ? ` ${JSON.stringify(value).slice(0, 40)}` : '';
      fail(`must be ${types.join(' or ')}, got ${type}${shown}`);
      return;
    }
  }
  if (schema.const !== undefined && !sameJson(value, schema.const))
    fail(`must be ${JSON.stringify(schema.const).slice(0, 60)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => sameJson(value, allowed)))
    fail(`must be one of ${JSON.stringify(schema.enum).slice(0, 100)}`);

  const measured = type === 'integer' ? 'number' : type;
  const size =
    typeof value === 'number'
      ? value
      : typeof value === 'string'
        ? [...value].length
        : Array.isArray(value)
          ? value.length
          : isObject(value)
            ? Object.keys(value).length
            : 0;
  for (const [keyword, [applies, lower, exclusive, unit]] of Object.entries(BOUNDS)) {
    const limit = schema[keyword];
    if (typeof limit !== 'number' || applies !== measured) continue;
    const within = lower
      ? exclusive
        ? size > limit
        : size >= limit
      : exclusive
        ? size < limit
        : size <= limit;
    if (!within)
      fail(
        unit
          ? `must have ${lower ? 'at least' : 'at most'} ${limit} ${unit}`
          : `must be ${lower ? '>' : '<'}${exclusive ? '' : '='} ${limit}`,
      );
  }
  if (typeof value === 'number' && typeof schema.multipleOf === 'number') {
    const quotient = value / schema.multipleOf;
    if (Math.abs(quotient - Math.round(quotient)) > 1e-9) fail(`must be a multiple of ${schema.multipleOf}`);
  }
  if (typeof value === 'string' && typeof schema.pattern === 'string') {
    const pattern = patterns.get(schema.pattern) ?? new RegExp(schema.pattern, 'u');
    patterns.set(schema.pattern, pattern);
    if (!pattern.test(value)) fail(`must match ${schema.pattern}`);
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    for (let i = 0; i < value.length && out.length < MAX_VIOLATIONS; i++)
      check(schema.items, value[i], `${path}[${i}]`, out);
  }
  if (isObject(value)) {
    if (Array.isArray(schema.required))
      for (const name of schema.required as string[])
        if (!Object.hasOwn(value, name)) fail(`must have property "${name}"`);
    const properties = isObject(schema.properties) ? schema.properties : {};
    const additional = schema.additionalProperties;
    for (const key of Object.keys(value)) {
      if (out.length >= MAX_VIOLATIONS) return;
      const sub = Object.hasOwn(properties, key) ? properties[key] : additional;
      if (isObject(sub)) check(sub, value[key], `${path}.${key}`, out);
      else if (sub === false) fail(`must not have property "${key.slice(0, 40)}"`);
    }
  }
}
