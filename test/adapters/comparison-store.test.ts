import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ComparisonStore } from '../../lambda/adapters/comparison-store';
import { comparisonRecord } from '../support/comparison-records';
import { startDynalite } from '../support/dynalite';

// The comparison table's conditional writes against dynalite: idempotent comparisons, outcome
// fields first-wins, and the join in either order.
const TABLE = 'comparisons';
const EXPIRES_AT = 1_800_000_000;
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let db: DynamoDBDocumentClient;
let store: ComparisonStore;

beforeAll(async () => {
  dynamo = await startDynalite(TABLE);
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  store = new ComparisonStore(db, TABLE);
});
afterAll(async () => {
  db.destroy();
  await dynamo.stop();
});

const item = async (requestId: string) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { requestId } }))).Item;

describe('ComparisonStore.saveComparison', () => {
  it('writes a comparison once: a redelivered one is a duplicate and changes nothing', async () => {
    // Arrange
    const first = comparisonRecord('once');
    // Act
    const saved = await store.saveComparison(first);
    const again = await store.saveComparison({ ...first, comparedAt: '2026-11-30T11:00:00.000Z' });
    // Assert
    expect(saved).toEqual({ saved: 'created' });
    expect(again).toEqual({ saved: 'duplicate' });
    expect(await store.get('once')).toEqual(first);
    expect(await store.isCompared('once')).toBe(true);
  });

  it('keeps an outcome posted before the comparison and returns it to be joined', async () => {
    const outcome = { converted: true, receivedAt: '2026-11-30T10:00:00.500Z' };
    await store.saveOutcome('outcome-first', outcome, EXPIRES_AT);

    const saved = await store.saveComparison(comparisonRecord('outcome-first'));

    expect(saved).toEqual({ saved: 'created', joinedOutcome: outcome });
    expect(await item('outcome-first')).toMatchObject({ outcome, comparedAt: expect.any(String) });
  });
});

describe('ComparisonStore.saveOutcome', () => {
  it('creates the outcome whole on the first post, before any comparison', async () => {
    const result = await store.saveOutcome('early', { label: 'stay', receivedAt: 't1' }, EXPIRES_AT);

    expect(result).toEqual({ created: true, added: ['label'], kept: [] });
    expect(await store.get('early')).toBeUndefined();
    expect(await store.isCompared('early')).toBe(false);
    expect(await item('early')).toEqual({
      requestId: 'early',
      outcome: { label: 'stay', receivedAt: 't1' },
      expiresAt: EXPIRES_AT,
    });
  });

  it('adds later fields one by one, first post winning per field, and joins them to a stored comparison', async () => {
    // Arrange
    const record = comparisonRecord('joined');
    const LATER = record.expiresAt + 86_400;
    await store.saveComparison(record);
    // Act
    const first = await store.saveOutcome('joined', { converted: false, receivedAt: 't1' }, LATER);
    const second = await store.saveOutcome(
      'joined',
      { converted: true, value: 12.5, receivedAt: 't2' },
      LATER,
    );
    const repeat = await store.saveOutcome(
      'joined',
      { converted: true, value: 12.5, receivedAt: 't3' },
      LATER,
    );
    // Assert
    expect(first).toMatchObject({ created: true, added: ['converted'], kept: [] });
    expect(first.joined?.record).toMatchObject({ served: record.served });
    expect(second).toMatchObject({ created: false, added: ['value'], kept: ['converted'] });
    expect(second.joined?.fields).toEqual(['value']);
    expect(repeat).toEqual({ created: false, added: [], kept: ['converted', 'value'] });
    expect((await store.get('joined'))?.outcome).toEqual({ converted: false, value: 12.5, receivedAt: 't1' });
    // The comparison's own expiry stays: an outcome never extends a record's life.
    expect((await item('joined'))?.expiresAt).toBe(record.expiresAt);
  });

  it('loses no field when posts of different fields race', async () => {
    await store.saveOutcome('race', { receivedAt: 't0' }, EXPIRES_AT);
    await Promise.all([
      store.saveOutcome('race', { converted: true, receivedAt: 't1' }, EXPIRES_AT),
      store.saveOutcome('race', { value: 3, receivedAt: 't2' }, EXPIRES_AT),
      store.saveOutcome('race', { label: 'churn', receivedAt: 't3' }, EXPIRES_AT),
    ]);
    expect((await item('race'))?.outcome).toEqual({
      converted: true,
      value: 3,
      label: 'churn',
      receivedAt: 't0',
    });
  });
});
