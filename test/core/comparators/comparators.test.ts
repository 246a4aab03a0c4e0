import { createComparator, decodeAnswer } from '../../../lambda/core/comparators';
import type { ComparatorConfig, ModelAnswer } from '../../../lambda/core/comparators/types';

const json = (value: unknown): ModelAnswer => decodeAnswer('application/json', JSON.stringify(value), 'utf8');
const text = (body: string): ModelAnswer => decodeAnswer('text/plain', body, 'utf8');

describe('exact comparator', () => {
  const compare = createComparator({ type: 'exact' });

  it.each([
    [
      'same object, keys reordered',
      json({ a: 1, b: [1, { c: 2, d: 3 }] }),
      json({ b: [1, { d: 3, c: 2 }], a: 1 }),
      true,
    ],
    ['1.0 and 1', text('{"score": 1.0}'), text('{"score": 1}'), true],
    ['1e2 and 100', text('[1e2]'), text('[100]'), true],
    ['different numbers', json({ score: 0.5 }), json({ score: 0.50001 }), false],
    ['array order matters', json([1, 2]), json([2, 1]), false],
    ['extra key', json({ a: 1 }), json({ a: 1, b: null }), false],
    ['null vs missing', json({ a: null }), json({}), false],
    ['string vs number', json({ a: '1' }), json({ a: 1 }), false],
    ['text equal up to trailing newline and CRLF', text('a,b\r\nc\n'), text('a,b\nc'), true],
    ['text differs', text('churn'), text('stay'), false],
    ['JSON vs text', json({ a: 1 }), text('a=1'), false],
  ])('%s', (_name, production, candidate, agree) => {
    // Act
    const result = compare(production, candidate);
    // Assert
    expect(result.comparator).toBe('exact');
    expect(result.agree).toBe(agree);
    expect(result.metrics.equal).toBe(agree ? 1 : 0);
    if (agree) expect(result.reason).toBeUndefined();
    else expect(result.reason).toEqual(expect.any(String));
  });

  it('says which side is not JSON', () => {
    expect(compare(json({ a: 1 }), text('oops')).reason).toBe('candidate answer is not JSON');
    expect(compare(text('oops'), json({ a: 1 })).reason).toBe('production answer is not JSON');
  });
});

describe('fields comparator', () => {
  const config: ComparatorConfig = {
    type: 'fields',
    fields: [
      { path: 'price', absTolerance: 0.5 },
      { path: 'ctr', relTolerance: 0.1 },
      { path: 'meta.version' },
    ],
  };
  const compare = createComparator(config);
  const base = { price: 10, ctr: 0.2, meta: { version: 'v1', ignored: 1 } };

  it.each([
    ['identical', base, true, undefined],
    ['within absolute tolerance', { ...base, price: 10.5 }, true, undefined],
    ['outside absolute tolerance', { ...base, price: 10.51 }, false, 'field "price" differs'],
    ['within relative tolerance', { ...base, ctr: 0.22 }, true, undefined],
    ['outside relative tolerance', { ...base, ctr: 0.23 }, false, 'field "ctr" differs'],
    ['unselected field differs', { ...base, meta: { version: 'v1', ignored: 2 } }, true, undefined],
    ['exact field differs', { ...base, meta: { version: 'v2' } }, false, 'field "meta.version" differs'],
    [
      'missing in candidate',
      { ctr: 0.2, meta: { version: 'v1' } },
      false,
      'field "price" missing in candidate answer',
    ],
    ['type differs', { ...base, price: '10' }, false, 'field "price" differs'],
  ])('%s', (_name, candidate, agree, reason) => {
    // Act
    const result = compare(json(base), json(candidate));
    // Assert
    expect(result.agree).toBe(agree);
    expect(result.reason).toBe(reason);
    expect(result.metrics.fieldsChecked).toBe(3);
    expect(result.metrics.fieldsDisagreeing).toBe(agree ? 0 : 1);
  });

  it('reports the largest numeric difference and how many fields disagree', () => {
    const result = compare(json(base), json({ price: 12, ctr: 0.5, meta: { version: 'v1' } }));
    expect(result.metrics.fieldsDisagreeing).toBe(2);
    expect(result.metrics.maxAbsDelta).toBeCloseTo(2, 12);
    expect(result.reason).toBe('field "price" differs (and 1 more)');
  });

  it('applies the tolerance to numbers inside arrays at the path', () => {
    const vector = createComparator({ type: 'fields', fields: [{ path: 'embedding', absTolerance: 0.01 }] });
    expect(vector(json({ embedding: [0.1, 0.2] }), json({ embedding: [0.105, 0.2] })).agree).toBe(true);
    expect(vector(json({ embedding: [0.1, 0.2] }), json({ embedding: [0.1, 0.22] })).agree).toBe(false);
    expect(vector(json({ embedding: [0.1, 0.2] }), json({ embedding: [0.1] })).agree).toBe(false);
  });

  it('uses the larger magnitude for relative tolerance, so the rule is symmetric', () => {
    const rel = createComparator({ type: 'fields', fields: [{ path: 'x', relTolerance: 0.1 }] });
    expect(rel(json({ x: 100 }), json({ x: 90 })).agree).toBe(true);
    expect(rel(json({ x: 90 }), json({ x: 100 })).agree).toBe(true);
    expect(rel(json({ x: 100 }), json({ x: 89 })).agree).toBe(false);
  });

  it('treats a field missing from both answers as agreeing and a non-JSON answer as missing fields', () => {
    const compareOne = createComparator({ type: 'fields', fields: [{ path: 'x' }] });
    expect(compareOne(json({}), json({})).agree).toBe(true);
    expect(compareOne(json({ x: 1 }), text('x=1')).reason).toBe('field "x" missing in candidate answer');
  });
});

describe('classification comparator', () => {
  const compare = createComparator({
    type: 'classification',
    labelPath: 'label',
    scorePath: 'probability',
    maxScoreDelta: 0.1,
  });

  it.each([
    [
      'same label, close scores',
      { label: 'churn', probability: 0.8 },
      { label: 'churn', probability: 0.85 },
      true,
      undefined,
    ],
    [
      'same label, scores too far',
      { label: 'churn', probability: 0.8 },
      { label: 'churn', probability: 0.95 },
      false,
      'score delta above 0.1',
    ],
    [
      'different labels',
      { label: 'churn', probability: 0.8 },
      { label: 'stay', probability: 0.8 },
      false,
      'labels differ',
    ],
    ['numeric labels', { label: 1, probability: 0.8 }, { label: 1, probability: 0.8 }, true, undefined],
    [
      'number vs numeric string label',
      { label: 1, probability: 0.8 },
      { label: '1', probability: 0.8 },
      true,
      undefined,
    ],
    [
      'boolean labels',
      { label: true, probability: 0.8 },
      { label: false, probability: 0.8 },
      false,
      'labels differ',
    ],
    [
      'label missing in candidate',
      { label: 'churn', probability: 0.8 },
      { probability: 0.8 },
      false,
      'label missing in candidate answer',
    ],
    [
      'null label counts as missing',
      { label: null, probability: 0.8 },
      { label: 'churn', probability: 0.8 },
      false,
      'label missing in production answer',
    ],
    [
      'score missing while bounded',
      { label: 'churn', probability: 0.8 },
      { label: 'churn' },
      false,
      'score missing in candidate answer',
    ],
    [
      'numeric string score',
      { label: 'churn', probability: '0.8' },
      { label: 'churn', probability: 0.8 },
      true,
      undefined,
    ],
  ])('%s', (_name, production, candidate, agree, reason) => {
    // Act
    const result = compare(json(production), json(candidate));
    // Assert
    expect(result.comparator).toBe('classification');
    expect(result.agree).toBe(agree);
    expect(result.reason).toBe(reason);
  });

  it('reports labelMatch and scoreDelta', () => {
    const result = compare(json({ label: 'a', probability: 0.9 }), json({ label: 'b', probability: 0.6 }));
    expect(result.metrics.labelMatch).toBe(0);
    expect(result.metrics.scoreDelta).toBeCloseTo(0.3, 12);
  });

  it('without a score bound, only labels decide and a missing score is fine', () => {
    const labelsOnly = createComparator({
      type: 'classification',
      labelPath: 'predictions[0].label',
      scorePath: 'p',
    });
    const result = labelsOnly(
      json({ predictions: [{ label: 'x' }], p: 0.1 }),
      json({ predictions: [{ label: 'x' }] }),
    );
    expect(result.agree).toBe(true);
    expect(result.metrics.scoreDelta).toBeUndefined();
    expect(
      labelsOnly(json({ predictions: [{ label: 'x' }], p: 0 }), json({ predictions: [{ label: 'x' }], p: 1 }))
        .agree,
    ).toBe(true);
  });

  it('reads the whole answer as the label with the root path, JSON or text', () => {
    const root = createComparator({ type: 'classification', labelPath: '$' });
    expect(root(text('churn\n'), text('churn')).agree).toBe(true);
    expect(root(json('churn'), text('churn')).agree).toBe(true);
    expect(root(text('churn'), text('stay')).agree).toBe(false);
  });

  it('never puts answer content in the reason', () => {
    const secret = 'customer-4711-secret';
    const result = compare(
      json({ label: secret, probability: 0.1 }),
      json({ label: 'other', probability: 0.9 }),
    );
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe('ranking comparator', () => {
  const compare = createComparator({ type: 'ranking', itemsPath: 'items', k: 5, minOverlap: 0.6 });
  const items = (...ids: (string | number)[]) => json({ items: ids });

  it.each([
    ['identical', items('a', 'b', 'c', 'd', 'e'), items('a', 'b', 'c', 'd', 'e'), 1, 1, true],
    ['same set, reversed', items('a', 'b', 'c', 'd', 'e'), items('e', 'd', 'c', 'b', 'a'), 1, -1, true],
    ['3 of 5 shared', items('a', 'b', 'c', 'd', 'e'), items('a', 'b', 'c', 'x', 'y'), 0.6, undefined, true],
    ['2 of 5 shared', items('a', 'b', 'c', 'd', 'e'), items('a', 'b', 'x', 'y', 'z'), 0.4, undefined, false],
    ['disjoint', items('a', 'b', 'c', 'd', 'e'), items('v', 'w', 'x', 'y', 'z'), 0, undefined, false],
    [
      'only the top k count',
      items('a', 'b', 'c', 'd', 'e', 'f'),
      items('a', 'b', 'c', 'd', 'e', 'z'),
      1,
      1,
      true,
    ],
    ['identical short lists', items('a', 'b'), items('a', 'b'), 1, 1, true],
    ['both empty', items(), items(), 1, 1, true],
    ['numbers and numeric strings are one id', items(1, 2, 3), items('1', '2', '3'), 1, 1, true],
  ])('%s', (_name, production, candidate, overlap, rankCorrelation, agree) => {
    // Act
    const result = compare(production, candidate);
    // Assert
    expect(result.metrics.overlap).toBeCloseTo(overlap, 12);
    if (rankCorrelation !== undefined)
      expect(result.metrics.rankCorrelation).toBeCloseTo(rankCorrelation, 12);
    expect(result.agree).toBe(agree);
  });

  it('computes tau-b with k+1 placement (checked by hand)', () => {
    // Union {a,b,c,x}; ranks A: a1 b2 c3 x4(missing), B: a1 c2 x3 b4(missing).
    // Pairs (6): ab C, ac C, ax C, bc D, bx D, cx C -> (4 - 2) / 6, no ties.
    const result = compare(items('a', 'b', 'c'), items('a', 'c', 'x'));
    expect(result.metrics.rankCorrelation).toBeCloseTo(2 / 6, 12);
    expect(result.metrics.overlap).toBeCloseTo(2 / 3, 12);
  });

  it('counts a repeated item once at its best rank', () => {
    const result = compare(items('a', 'a', 'b', 'c', 'd', 'e'), items('a', 'b', 'c', 'd', 'e'));
    expect(result.metrics.overlap).toBe(1);
    expect(result.metrics.rankCorrelation).toBe(1);
  });

  it('requires the rank correlation when configured', () => {
    const ordered = createComparator({
      type: 'ranking',
      itemsPath: 'items',
      k: 3,
      minOverlap: 1,
      minRankCorrelation: 0.5,
    });
    expect(ordered(items('a', 'b', 'c'), items('a', 'b', 'c')).agree).toBe(true);
    const reversed = ordered(items('a', 'b', 'c'), items('c', 'b', 'a'));
    expect(reversed.agree).toBe(false);
    expect(reversed.reason).toBe('rank correlation below 0.5');
  });

  it('disagrees with a reason when the list is missing or not a list', () => {
    expect(compare(items('a'), json({ items: 'a' })).reason).toBe('ranked items missing in candidate answer');
    expect(compare(text('a,b'), items('a')).reason).toBe('ranked items missing in production answer');
  });
});
