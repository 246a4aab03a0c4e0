import { COUNT_KEYWORDS, isObject, NUMBER_KEYWORDS, SUPPORTED_KEYWORDS, TYPES } from './input-contract';

/*
 * The full check of an input contract, run where the config is validated (synth, the local
 * models file): every problem, by location. Kept apart from the checker so the router's bundle
 * carries only what it runs per request.
 */

/** Every problem with a schema, by its location (`#/properties/age`); empty when it is usable. */
export function inputSchemaProblems(schema: unknown, at = '#'): string[] {
  if (!isObject(schema)) return [`${at} must be a JSON Schema object`];
  const problems: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!SUPPORTED_KEYWORDS.has(key))
      problems.push(`${at}: keyword "${key}" is not supported (see lambda/core/input-contract.ts)`);
  }
  const type = schema.type;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    if (types.length === 0 || types.some((t) => !(TYPES as readonly unknown[]).includes(t)))
      problems.push(`${at}/type must be one or a list of ${TYPES.join(', ')}`);
  }
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.length === 0))
    problems.push(`${at}/enum must be a non-empty list`);
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) problems.push(`${at}/properties must be an object of schemas`);
    else
      for (const [name, sub] of Object.entries(schema.properties))
        problems.push(...inputSchemaProblems(sub, `${at}/properties/${name}`));
  }
  if (
    schema.required !== undefined &&
    (!Array.isArray(schema.required) || schema.required.some((r) => typeof r !== 'string'))
  )
    problems.push(`${at}/required must be a list of property names`);
  const additional = schema.additionalProperties;
  if (additional !== undefined && typeof additional !== 'boolean')
    problems.push(...inputSchemaProblems(additional, `${at}/additionalProperties`));
  if (schema.items !== undefined) problems.push(...inputSchemaProblems(schema.items, `${at}/items`));
  for (const key of NUMBER_KEYWORDS) {
    const value = schema[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value)))
      problems.push(`${at}/${key} must be a number`);
  }
  if (
    schema.multipleOf !== undefined &&
    !(typeof schema.multipleOf === 'number' && Number.isFinite(schema.multipleOf) && schema.multipleOf > 0)
  )
    problems.push(`${at}/multipleOf must be a number above 0`);
  for (const key of COUNT_KEYWORDS) {
    const value = schema[key];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0))
      problems.push(`${at}/${key} must be a whole number >= 0`);
  }
  if (schema.pattern !== undefined) {
    try {
      if (typeof schema.pattern !== 'string') throw new Error();
      new RegExp(schema.pattern, 'u');
    } catch {
      problems.push(`${at}/pattern must be a valid regular expression`);
    }
  }
  return problems;
}
