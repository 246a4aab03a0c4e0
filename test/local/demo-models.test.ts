import { createComparator, decodeAnswer } from '../../lambda/core/comparators';
import { stages } from '../../lib/config/stages';
import { churnV1, churnV2, trueChurnProbability } from '../../local/models/churn';
import { demoModels, ModelInputError } from '../../local/models/index';
import { recommenderV1, recommenderV2 } from '../../local/models/recommender';
import { seededRandom, typicalChurnCustomer } from '../../local/models/traffic';
import type { DemoModel } from '../../local/models/types';

const json = (value: unknown, contentType = 'application/json') => ({
  body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  contentType,
  accept: undefined,
});
const answer = (model: DemoModel, value: unknown) => JSON.parse(model.invoke(json(value)).body);
const rejection = (model: DemoModel, value: unknown, contentType?: string) => {
  try {
    model.invoke(json(value, contentType));
  } catch (error) {
    return error as ModelInputError;
  }
  throw new Error('expected the model to reject the input');
};

describe('churn demo models', () => {
  it('answer a label and a probability, deterministically', () => {
    const input = { tenure_months: 4, monthly_charges: 89.5, support_calls: 3 };

    const first = answer(churnV1, input);

    expect(first).toEqual({
      label: expect.stringMatching(/^(churn|stay)$/),
      probability: expect.any(Number),
    });
    expect(first.probability).toBeGreaterThan(0);
    expect(first.probability).toBeLessThan(1);
    expect(first.label).toBe(first.probability >= 0.5 ? 'churn' : 'stay');
    expect(answer(churnV1, input)).toEqual(first);
  });

  it('ignore unknown features and default missing ones', () => {
    expect(answer(churnV1, { tenure_months: 4, favourite_colour: 3 })).toEqual(
      answer(churnV1, { tenure_months: 4 }),
    );
    expect(answer(churnV1, {})).toEqual(
      answer(churnV1, {
        tenure_months: 24,
        monthly_charges: 65,
        support_calls: 1,
        contract_months: 1,
        late_payments: 0,
      }),
    );
  });

  it('reject what a real container would reject, with the status it would use', () => {
    expect(rejection(churnV1, [1, 2]).statusCode).toBe(400);
    expect(rejection(churnV1, 'not json').statusCode).toBe(400);
    expect(rejection(churnV1, { tenure_months: 'four' }).statusCode).toBe(400);
    expect(rejection(churnV1, 'a,b', 'text/csv').statusCode).toBe(415);
  });

  it('make the default candidate really at least as good: agreement well above the minimum, accuracy no lower', () => {
    const random = seededRandom(1);
    const customers = Array.from({ length: 4000 }, () => typicalChurnCustomer(random));
    const agree = createComparator(stages.dev.shadow.comparator);
    const decoded = (model: DemoModel, c: unknown) =>
      decodeAnswer('application/json', model.invoke(json(c)).body, 'utf8');

    const agreement = customers.filter((c) => agree(decoded(churnV1, c), decoded(churnV2, c)).agree).length;
    // Expected accuracy against the demo world's true labels (no sampling noise).
    const correct = (model: DemoModel) =>
      customers.reduce((sum, c) => {
        const churn = trueChurnProbability(c);
        return sum + (answer(model, c).label === 'churn' ? churn : 1 - churn);
      }, 0) / customers.length;
    const churners = customers.filter((c) => answer(churnV1, c).label === 'churn').length;

    // The dev stage wants 90% agreement: the default candidate sits far enough above it that an
    // always-valid interval clears it within a demo's few hundred requests.
    expect(agreement / customers.length).toBeGreaterThan(0.96);
    expect(agreement / customers.length).toBeLessThan(1);
    expect(correct(churnV2)).toBeGreaterThanOrEqual(correct(churnV1));
    expect(churners / customers.length).toBeGreaterThan(0.1);
    expect(churners / customers.length).toBeLessThan(0.5);
  });
});

describe('recommender demo models', () => {
  it('answer the top k items, never one the user already has', () => {
    const items = answer(recommenderV1, { history: ['item-1', 'item-2'], k: 7 }).items as string[];

    expect(items).toHaveLength(7);
    expect(new Set(items).size).toBe(7);
    expect(items).not.toContain('item-1');
    expect(items).not.toContain('item-2');
  });

  it('accept user features instead of a history', () => {
    const items = answer(recommenderV1, { user_features: { age: 31, sessions: 12 } }).items;

    expect(items).toHaveLength(5);
    expect(answer(recommenderV1, { user_features: { age: 31, sessions: 12 } }).items).toEqual(items);
  });

  it('overlap partially between versions', () => {
    const random = seededRandom(2);
    const overlaps = Array.from({ length: 200 }, () => {
      const input = { user_features: { age: 18 + random() * 50, tenure_months: random() * 60 } };
      const a: string[] = answer(recommenderV1, input).items;
      const b: string[] = answer(recommenderV2, input).items;
      return a.filter((item) => b.includes(item)).length / a.length;
    });
    const mean = overlaps.reduce((sum, o) => sum + o, 0) / overlaps.length;

    expect(mean).toBeGreaterThan(0.3);
    expect(mean).toBeLessThan(0.95);
  });

  it('reject input without user features or history, and a bad k', () => {
    expect(rejection(recommenderV1, { something: 1 }).statusCode).toBe(400);
    expect(rejection(recommenderV1, { history: 'item-1' }).statusCode).toBe(400);
    expect(rejection(recommenderV1, { history: ['item-1'], k: 0 }).statusCode).toBe(400);
  });
});

it('every demo model is registered by name', () => {
  expect(Object.keys(demoModels).sort()).toEqual([
    'churn-v1',
    'churn-v2',
    'recommender-v1',
    'recommender-v2',
  ]);
  expect(new ModelInputError(400, 'x').name).toBe('ModelInputError');
});
