import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { canonicalLabel, createComparator, decodeAnswer, getPath } from '../../../lambda/core/comparators';
import type { ModelAnswer } from '../../../lambda/core/comparators/types';

const answerOf = (value: unknown): ModelAnswer =>
  decodeAnswer('application/json', JSON.stringify(value), 'utf8');
/** Values as they survive a JSON round trip (no -0, plain prototypes), i.e. as an answer decodes. */
const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map(roundTrip);

/** The same value with every object's keys in a shuffled order. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reorderKeys(item, seed + i));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  const rotated = keys.map((_, i) => keys[(i + seed) % keys.length] as string).reverse();
  return Object.fromEntries(
    rotated.map((key) => [key, reorderKeys((value as Record<string, unknown>)[key], seed + 1)]),
  );
}

describe('exact comparator properties', () => {
  const exact = createComparator({ type: 'exact' });

  it('is reflexive', () => {
    fc.assert(fc.property(jsonValue, (v) => exact(answerOf(v), answerOf(v)).agree));
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(
        jsonValue,
        jsonValue,
        (a, b) => exact(answerOf(a), answerOf(b)).agree === exact(answerOf(b), answerOf(a)).agree,
      ),
    );
  });

  it('ignores key order', () => {
    fc.assert(
      fc.property(
        jsonValue,
        fc.nat(20),
        (v, seed) => exact(answerOf(v), answerOf(reorderKeys(v, seed))).agree,
      ),
    );
  });

  it('agrees exactly when the decoded values are deeply equal (Node reference)', () => {
    // Small values collide often, so both outcomes are exercised.
    const small = fc
      .oneof(
        fc.constantFrom(0, 1, 'a', true, null),
        fc.dictionary(fc.constantFrom('x', 'y'), fc.constantFrom(0, 1, 'a')),
      )
      .map(roundTrip);
    fc.assert(
      fc.property(fc.oneof(jsonValue, small), fc.oneof(jsonValue, small), (a, b) => {
        return exact(answerOf(a), answerOf(b)).agree === isDeepStrictEqual(a, b);
      }),
    );
  });
});

describe('fields comparator properties', () => {
  const key = fc.constantFrom('x', 'y');
  const leaf = fc.oneof(
    fc.constantFrom(0, 1, 2, 'a', null, true),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -5, max: 5 }),
  );
  const doc = fc
    .dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf), fc.array(leaf, { maxLength: 2 })))
    .map(roundTrip);
  const path = fc.constantFrom('x', 'y', 'x.y', 'y[0]', 'x[1]');

  it('with zero tolerance agrees exactly when the values at the path are equal', () => {
    fc.assert(
      fc.property(doc, doc, path, (a, b, p) => {
        const fields = createComparator({
          type: 'fields',
          fields: [{ path: p, absTolerance: 0, relTolerance: 0 }],
        });
        const [va, vb] = [getPath(a, p), getPath(b, p)];
        const expected = va === undefined || vb === undefined ? va === vb : isDeepStrictEqual(va, vb);
        return fields(answerOf(a), answerOf(b)).agree === expected;
      }),
    );
  });

  it('agrees on numbers iff they are within max(abs, rel * max magnitude), symmetrically', () => {
    const num = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    const tol = fc.double({ noNaN: true, min: 0, max: 10 });
    fc.assert(
      fc.property(num, num, tol, fc.double({ noNaN: true, min: 0, max: 1 }), (a, b, abs, rel) => {
        const fields = createComparator({
          type: 'fields',
          fields: [{ path: 'v', absTolerance: abs, relTolerance: rel }],
        });
        const [x, y] = [a + 0, b + 0]; // as decoded from JSON: no -0
        const expected = Math.abs(x - y) <= Math.max(abs, rel * Math.max(Math.abs(x), Math.abs(y)));
        const ab = fields(answerOf({ v: x }), answerOf({ v: y })).agree;
        const ba = fields(answerOf({ v: y }), answerOf({ v: x })).agree;
        return ab === expected && ba === expected;
      }),
    );
  });

  it('is reflexive for any selected paths', () => {
    fc.assert(
      fc.property(doc, fc.array(path, { minLength: 1, maxLength: 3 }), (a, paths) => {
        const fields = createComparator({ type: 'fields', fields: paths.map((p) => ({ path: p })) });
        return fields(answerOf(a), answerOf(a)).agree;
      }),
    );
  });
});

describe('classification comparator properties', () => {
  const label = fc.oneof(
    fc.constantFrom('churn', 'stay', ' churn', 'Churn'),
    fc.integer({ min: 0, max: 2 }),
    fc.boolean(),
  );
  const score = fc.double({ noNaN: true, min: 0, max: 1 });

  it('agrees iff the labels are equal and the score delta is within the bound', () => {
    fc.assert(
      fc.property(
        label,
        label,
        score,
        score,
        fc.double({ noNaN: true, min: 0, max: 1 }),
        (la, lb, sa, sb, bound) => {
          const classify = createComparator({
            type: 'classification',
            labelPath: 'label',
            scorePath: 's',
            maxScoreDelta: bound,
          });
          const result = classify(answerOf({ label: la, s: sa }), answerOf({ label: lb, s: sb }));
          const sameLabel = canonicalLabel(la) === canonicalLabel(lb);
          return (
            result.agree === (sameLabel && Math.abs(sa - sb) <= bound) &&
            result.metrics.scoreDelta === Math.abs(sa - sb) &&
            result.metrics.labelMatch === (sameLabel ? 1 : 0)
          );
        },
      ),
    );
  });

  it('is symmetric', () => {
    const classify = createComparator({
      type: 'classification',
      labelPath: 'label',
      scorePath: 's',
      maxScoreDelta: 0.2,
    });
    fc.assert(
      fc.property(label, label, score, score, (la, lb, sa, sb) => {
        const ab = classify(answerOf({ label: la, s: sa }), answerOf({ label: lb, s: sb }));
        const ba = classify(answerOf({ label: lb, s: sb }), answerOf({ label: la, s: sa }));
        return ab.agree === ba.agree && ab.metrics.scoreDelta === ba.metrics.scoreDelta;
      }),
    );
  });
});

describe('ranking comparator properties', () => {
  const list = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 1, 2), { maxLength: 12 });
  const kArb = fc.integer({ min: 1, max: 8 });
  const rank = (k: number, minOverlap = 0.5) =>
    createComparator({ type: 'ranking', itemsPath: 'r', k, minOverlap });

  it('overlap is in [0, 1] and tau in [-1, 1]', () => {
    fc.assert(
      fc.property(list, list, kArb, (a, b, k) => {
        const { metrics } = rank(k)(answerOf({ r: a }), answerOf({ r: b }));
        const overlap = metrics.overlap ?? Number.NaN;
        const tau = metrics.rankCorrelation ?? Number.NaN;
        return overlap >= 0 && overlap <= 1 && tau >= -1 - 1e-12 && tau <= 1 + 1e-12;
      }),
    );
  });

  it('identical lists overlap fully, correlate perfectly and agree', () => {
    fc.assert(
      fc.property(list, kArb, fc.double({ noNaN: true, min: 0, max: 1 }), (a, k, minOverlap) => {
        const result = rank(k, minOverlap)(answerOf({ r: a }), answerOf({ r: a }));
        return result.metrics.overlap === 1 && result.metrics.rankCorrelation === 1 && result.agree;
      }),
    );
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(list, list, kArb, (a, b, k) => {
        const ab = rank(k)(answerOf({ r: a }), answerOf({ r: b }));
        const ba = rank(k)(answerOf({ r: b }), answerOf({ r: a }));
        return (
          ab.agree === ba.agree &&
          ab.metrics.overlap === ba.metrics.overlap &&
          Math.abs((ab.metrics.rankCorrelation ?? 0) - (ba.metrics.rankCorrelation ?? 0)) < 1e-12
        );
      }),
    );
  });

  it('a full reversal of at least two distinct items correlates at -1', () => {
    fc.assert(
      fc.property(
        // Distinct as the comparator sees them: labels are compared trimmed ("E" and " E" are one item).
        fc.uniqueArray(
          fc.string({ minLength: 1, maxLength: 3 }).filter((s) => s.trim() !== ''),
          { minLength: 2, maxLength: 8, selector: (s) => s.trim() },
        ),
        (a) => {
          const result = rank(a.length)(answerOf({ r: a }), answerOf({ r: [...a].reverse() }));
          return Math.abs((result.metrics.rankCorrelation ?? 0) + 1) < 1e-12 && result.metrics.overlap === 1;
        },
      ),
    );
  });
});

describe('every comparator keeps payloads out of its reason', () => {
  it('never echoes a value from either answer', () => {
    const secret = fc.string({ minLength: 8, maxLength: 16 }).map((s) => `SECRET${s}`);
    const configs = [
      createComparator({ type: 'exact' }),
      createComparator({ type: 'fields', fields: [{ path: 'label' }, { path: 'p', absTolerance: 0.1 }] }),
      createComparator({ type: 'classification', labelPath: 'label', scorePath: 'p', maxScoreDelta: 0.1 }),
      createComparator({ type: 'ranking', itemsPath: 'items', k: 3, minOverlap: 0.9 }),
    ];
    fc.assert(
      fc.property(secret, secret, (s1, s2) => {
        const a = answerOf({ label: s1, p: 0.1, items: [s1, 'x'] });
        const b = answerOf({ label: s2, p: 0.9, items: [s2, 'y'] });
        return configs.every((compare) => {
          const reason = compare(a, b).reason ?? '';
          return !reason.includes('SECRET');
        });
      }),
    );
  });
});
