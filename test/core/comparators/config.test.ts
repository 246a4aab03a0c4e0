import {
  createComparator,
  InvalidComparatorConfigError,
  parseComparatorConfig,
} from '../../../lambda/core/comparators';
import type { ComparatorConfig } from '../../../lambda/core/comparators/types';

describe('parseComparatorConfig', () => {
  it.each<ComparatorConfig>([
    { type: 'exact' },
    { type: 'classification', labelPath: 'label', scorePath: 'probability', maxScoreDelta: 0.1 },
    { type: 'classification', labelPath: '$.predictions[0].label' },
    { type: 'fields', fields: [{ path: 'a.b', absTolerance: 0.1, relTolerance: 0.01 }, { path: 'c' }] },
    { type: 'ranking', itemsPath: 'items', k: 10, minOverlap: 0.8, minRankCorrelation: 0.2 },
  ])('accepts %j', (config) => {
    expect(parseComparatorConfig(JSON.stringify(config))).toEqual(config);
  });

  it('says when the text is not JSON', () => {
    expect(() => parseComparatorConfig('{type: exact}')).toThrow(/Invalid comparator config: not JSON/);
  });

  it.each([
    ['[]', 'must be a JSON object'],
    ['{"type":"fuzzy"}', 'type must be one of exact, fields, classification, ranking (got "fuzzy")'],
    ['{}', 'type must be one of exact, fields, classification, ranking (got nothing)'],
    ['{"type":"classification"}', 'labelPath must be a JSON path string'],
    ['{"type":"classification","labelPath":"a..b"}', 'labelPath: invalid JSON path "a..b"'],
    ['{"type":"classification","labelPath":"l","maxScoreDelta":-1}', 'maxScoreDelta must be a number >= 0'],
    ['{"type":"fields","fields":[]}', 'fields must be a non-empty array'],
    ['{"type":"ranking","itemsPath":"i","k":0,"minOverlap":0.5}', 'k must be an integer in [1, 1000]'],
    ['{"type":"ranking","itemsPath":"i","k":2.5,"minOverlap":0.5}', 'k must be an integer in [1, 1000]'],
    ['{"type":"ranking","itemsPath":"i","k":5,"minOverlap":1.5}', 'minOverlap must be a number in [0, 1]'],
  ])('rejects %s', (json, message) => {
    expect(() => parseComparatorConfig(json)).toThrow(InvalidComparatorConfigError);
    expect(() => parseComparatorConfig(json)).toThrow(message);
  });

  it('lists every problem at once', () => {
    const json = JSON.stringify({
      type: 'fields',
      fields: [{ path: 'ok' }, { path: 'bad[' }, { absTolerance: -1 }, { path: 'x', relTolerance: 'big' }],
    });
    let message = '';
    try {
      parseComparatorConfig(json);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n  - ').slice(1)).toEqual([
      'fields[1].path: invalid JSON path "bad[": brackets must hold an index like [0] or a quoted key like [\'name\']',
      'fields[2].path must be a JSON path string',
      'fields[2].absTolerance must be a number >= 0',
      'fields[3].relTolerance must be a number >= 0',
    ]);
  });
});

describe('createComparator', () => {
  it('fails fast on a bad path instead of at comparison time', () => {
    const bad = { type: 'classification', labelPath: 'predictions[x]' } as ComparatorConfig;
    expect(() => createComparator(bad)).toThrow(InvalidComparatorConfigError);
  });

  it.each(['exact', 'fields', 'classification', 'ranking'] as const)('builds a %s comparator', (type) => {
    const configs: Record<typeof type, ComparatorConfig> = {
      exact: { type: 'exact' },
      fields: { type: 'fields', fields: [{ path: 'x' }] },
      classification: { type: 'classification', labelPath: 'x' },
      ranking: { type: 'ranking', itemsPath: 'x', k: 1, minOverlap: 1 },
    };
    const compare = createComparator(configs[type]);
    const answer = { contentType: 'application/json', text: '{"x":[1]}', json: { x: [1] } };
    expect(compare(answer, answer)).toMatchObject({ comparator: type, agree: true });
  });
});
