import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbAnalysisCache, MAX_ANALYSIS_BYTES } from '../../lambda/adapters/analysis-cache-dynamodb';
import type { CompletedAnalysis } from '../../lambda/use-cases/ports/report';
import { startDynalite } from '../support/dynalite';

// The kept analyses in the comparison table, against dynalite (the table as local mode and the
// stack create it).
const TABLE = 'comparisons';
const NOW = new Date('2026-11-30T20:00:00.000Z');
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let client: DynamoDBClient;
const errors: string[] = [];
let cache: DynamoDbAnalysisCache;

beforeAll(async () => {
  dynamo = await startDynalite(TABLE);
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
beforeEach(() => {
  errors.length = 0;
  cache = new DynamoDbAnalysisCache(client, TABLE, {
    now: () => NOW,
    onError: (operation, error) => errors.push(`${operation}: ${(error as Error).message}`),
  });
});
afterAll(async () => {
  client.destroy();
  await dynamo.stop();
});

const analysis = (completedAt: string, extra: Record<string, unknown> = {}) =>
  ({
    completedAt,
    report: { scope: 'experiment', verdict: { decision: 'CONTINUE', reasons: ['n too small'] }, ...extra },
  }) as unknown as CompletedAnalysis;

describe('DynamoDbAnalysisCache', () => {
  it('keeps the analysis of a request across instances (a cold function reads what a warm one put)', async () => {
    const key = JSON.stringify(['v7', 'churn-v2', null, null]);
    await cache.put(key, analysis('2026-11-30T19:59:00.000Z'));

    const cold = new DynamoDbAnalysisCache(client, TABLE);
    expect(await cold.get(key)).toEqual(analysis('2026-11-30T19:59:00.000Z'));
    expect(await cold.get(JSON.stringify(['v7', 'churn-v3', null, null]))).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('stores one item under an analysis# key, the report gzipped, expiring after 30 days', async () => {
    await cache.put('k', analysis('2026-11-30T19:00:00.000Z'));
    const [digest] = await itemKeys('k');
    expect(digest).toMatch(/^analysis#[0-9a-f]{32}$/);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { requestId: { S: digest as string } } }),
    );
    expect(Item?.cacheKey).toEqual({ S: 'k' });
    expect(Item?.report?.B?.subarray(0, 2)).toEqual(Uint8Array.from([0x1f, 0x8b]));
    expect(Item?.expiresAt).toEqual({ N: String(NOW.getTime() / 1000 + 30 * 86_400) });
  });

  it('keeps the latest analysis when two finish out of order', async () => {
    await cache.put('order', analysis('2026-11-30T19:10:00.000Z'));
    await cache.put('order', analysis('2026-11-30T19:05:00.000Z'));
    expect((await cache.get('order'))?.completedAt).toBe('2026-11-30T19:10:00.000Z');
    await cache.put('order', analysis('2026-11-30T19:20:00.000Z'));
    expect((await cache.get('order'))?.completedAt).toBe('2026-11-30T19:20:00.000Z');
    expect(errors).toEqual([]);
  });

  it('never fails a report: an unreachable table reads as empty and writes are dropped, each told to onError', async () => {
    const broken = new DynamoDbAnalysisCache(
      new DynamoDBClient({
        endpoint: 'http://127.0.0.1:9',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        maxAttempts: 1,
      }),
      TABLE,
      { onError: (operation) => errors.push(operation) },
    );
    await expect(broken.put('k', analysis('2026-11-30T19:00:00.000Z'))).resolves.toBeUndefined();
    await expect(broken.get('k')).resolves.toBeUndefined();
    expect(errors).toEqual(['put', 'get']);
  });

  it('refuses an analysis too large for an item, and keeps the previous one', async () => {
    await cache.put('big', analysis('2026-11-30T19:00:00.000Z'));
    // Random bytes do not compress: twice the limit, base64 encoded.
    const noise = randomBytes(2 * MAX_ANALYSIS_BYTES).toString('base64');
    await cache.put('big', analysis('2026-11-30T19:30:00.000Z', { noise }));
    expect((await cache.get('big'))?.completedAt).toBe('2026-11-30T19:00:00.000Z');
    expect(errors).toEqual([expect.stringMatching(/^put: the analysis is \d+ bytes gzipped/)]);
  });
});

/** The item key of a cache key, as the adapter writes it (read back from the table). */
async function itemKeys(key: string): Promise<string[]> {
  const { analysisKeyDigest } = await import('../../lambda/adapters/analysis-cache-key');
  return [`analysis#${analysisKeyDigest(key)}`];
}
