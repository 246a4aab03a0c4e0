import {
  getAtPath,
  getPath,
  InvalidJsonPathError,
  parseJsonPath,
} from '../../../lambda/core/comparators/json-path';

describe('parseJsonPath', () => {
  it.each([
    ['label', ['label']],
    ['a.b', ['a', 'b']],
    ['predictions[0].label', ['predictions', 0, 'label']],
    ['$.x', ['x']],
    ['$', []],
    ['$[2]', [2]],
    ['$.a[1][0].b', ['a', 1, 0, 'b']],
    ["$['odd key'].v", ['odd key', 'v']],
    ['a["dotted.name"]', ['a', 'dotted.name']],
    ['x-label', ['x-label']],
    ['  label  ', ['label']],
  ])('parses %s', (path, expected) => {
    // Act / Assert
    expect(parseJsonPath(path)).toEqual(expected);
  });

  it.each(['', '$.', 'a.', 'a..b', '.a', 'a[x]', 'a[-1]', 'a[0', 'a b', '1abc', 'a.[0]'])(
    'rejects %j with a message naming the path',
    (path) => {
      expect(() => parseJsonPath(path)).toThrow(InvalidJsonPathError);
      expect(() => parseJsonPath(path)).toThrow(`"${path}"`);
    },
  );
});

describe('getAtPath', () => {
  const answer = { label: 'churn', a: { b: 2, n: null }, predictions: [{ label: 1 }, { label: 0 }] };

  it.each([
    ['label', 'churn'],
    ['a.b', 2],
    ['a.n', null],
    ['predictions[1].label', 0],
    ['$.predictions[0]', { label: 1 }],
    ['$', answer],
  ])('reads %s', (path, expected) => {
    expect(getAtPath(answer, parseJsonPath(path))).toEqual({ found: true, value: expected });
  });

  it.each(['missing', 'a.c', 'predictions[2].label', 'label.x', 'a[0]', 'predictions.label', 'a.b.c'])(
    'reports %s as not found without throwing',
    (path) => {
      expect(getAtPath(answer, parseJsonPath(path))).toEqual({ found: false });
    },
  );

  it('does not read inherited properties', () => {
    expect(getAtPath({}, ['toString'])).toEqual({ found: false });
    expect(getAtPath([1, 2], ['length'])).toEqual({ found: false });
  });

  it('getPath returns undefined for a missing value', () => {
    expect(getPath(answer, 'a.b')).toBe(2);
    expect(getPath(answer, 'nope')).toBeUndefined();
  });
});
