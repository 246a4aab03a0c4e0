import { inputContract, inputSchemaProblems } from '../../lambda/core/input-contract';

const churnSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'churn features',
  type: 'object',
  required: ['tenure_months'],
  additionalProperties: false,
  properties: {
    tenure_months: { type: 'integer', minimum: 0, maximum: 600 },
    monthly_charges: { type: 'number', exclusiveMinimum: 0 },
    plan: { enum: ['basic', 'premium'] },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    tags: { type: 'array', items: { type: 'string', maxLength: 3 }, maxItems: 2 },
    note: { type: ['string', 'null'], minLength: 1 },
    version: { const: 2 },
    step: { type: 'number', multipleOf: 0.5 },
  },
};

describe('input contract (JSON Schema subset)', () => {
  const check = inputContract(churnSchema);

  it.each([
    [{ tenure_months: 4 }],
    [{ tenure_months: 4, monthly_charges: 89.5, plan: 'basic', country: 'DE', tags: ['a', 'b'] }],
    [{ tenure_months: 0, note: null, version: 2, step: 1.5 }],
  ])('accepts %j', (body) => {
    expect(check(body)).toEqual([]);
  });

  it.each([
    [[1, 2, 3], ['$ must be object, got array']],
    ['hello', ['$ must be object, got string "hello"']],
    [null, ['$ must be object, got null']],
    [{ tenure_months: 'four' }, ['$.tenure_months must be integer, got string "four"']],
    [{ tenure_months: 4.5 }, ['$.tenure_months must be integer, got number 4.5']],
    [{}, ['$ must have property "tenure_months"']],
    [{ tenure_months: -1 }, ['$.tenure_months must be >= 0']],
    [{ tenure_months: 1, monthly_charges: 0 }, ['$.monthly_charges must be > 0']],
    [{ tenure_months: 1, plan: 'gold' }, ['$.plan must be one of ["basic","premium"]']],
    [{ tenure_months: 1, country: 'de' }, ['$.country must match ^[A-Z]{2}$']],
    [{ tenure_months: 1, tags: ['a', 'b', 'c'] }, ['$.tags must have at most 2 items']],
    [{ tenure_months: 1, tags: ['long'] }, ['$.tags[0] must be at most 3 characters']],
    [{ tenure_months: 1, note: '' }, ['$.note must be at least 1 characters']],
    [{ tenure_months: 1, version: 3 }, ['$.version must be 2']],
    [{ tenure_months: 1, step: 0.3 }, ['$.step must be a multiple of 0.5']],
    [{ tenure_months: 1, 'odd key': 1 }, ['$ must not have property "odd key"']],
  ])('refuses %j, naming where and why', (body, violations) => {
    expect(check(body)).toEqual(violations);
  });

  it('reports at most five violations of a hostile body', () => {
    const body = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`extra${i}`, i]));
    expect(check(body)).toHaveLength(5);
  });

  it('checks as deep as the schema, never as deep as the input', () => {
    let nested: unknown = [];
    for (let i = 0; i < 100_000; i++) nested = [nested];
    const arrays = inputContract({ type: 'array', items: { type: 'array' } });
    expect(arrays(nested)).toEqual([]);
    expect(check(nested)).toEqual(['$ must be object, got array']);
  });

  it('treats properties named like Object.prototype members as plain properties', () => {
    const body = JSON.parse('{"tenure_months":1,"__proto__":{"x":1},"constructor":1}');
    expect(check(body)).toEqual([
      '$ must not have property "__proto__"',
      '$ must not have property "constructor"',
    ]);
  });

  describe('a schema is checked once, when the config is validated', () => {
    it('accepts the supported subset', () => {
      expect(inputSchemaProblems(churnSchema)).toEqual([]);
    });

    it('lists every keyword it would not check, and every malformed one', () => {
      expect(
        inputSchemaProblems({
          type: 'object',
          anyOf: [],
          properties: { a: { $ref: '#/x', type: 'float' }, b: { pattern: '(' } },
          required: 'a',
          minItems: -1,
        }),
      ).toEqual([
        '#: keyword "anyOf" is not supported (see lambda/core/input-contract.ts)',
        '#/properties/a: keyword "$ref" is not supported (see lambda/core/input-contract.ts)',
        '#/properties/a/type must be one or a list of object, array, string, number, integer, boolean, null',
        '#/properties/b/pattern must be a valid regular expression',
        '#/required must be a list of property names',
        '#/minItems must be a whole number >= 0',
      ]);
      expect(inputSchemaProblems([])).toEqual(['# must be a JSON Schema object']);
    });
  });
});
