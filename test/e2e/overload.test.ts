import { Agent, request } from 'node:http';
import { waitFor } from '../support/wait-for';
import { getComparison } from './api-client';
import { emfTotals } from './emf';
import { type LocalProcess, queueDepth, queuedRequestIds, startLocalProcess } from './local-process';

const REQUESTS = 1000;
const CONNECTIONS = 200;

/**
 * At 200 concurrent connections every request answered `X-Shadow: sampled` still ends
 * somewhere visible: a comparison record (candidate answered or failed), the dead-letter queue,
 * or a counted dispatch failure. Counted from the store, the queues and the EMF metrics.
 */
describe('local mode at 200 concurrent connections', () => {
  let local: LocalProcess;

  beforeAll(async () => {
    local = await startLocalProcess([]);
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('keeps the accounting identity for every sampled answer', async () => {
    // Arrange: one connection per caller, as 200 separate clients would have.
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const statuses = new Map<number, number>();
    const sampled: string[] = [];
    let next = 0;
    const caller = async () => {
      while (next < REQUESTS) {
        const id = `overload-${next++}`;
        const body = JSON.stringify({
          tenure_months: next % 60,
          monthly_charges: 50,
          support_calls: next % 5,
        });
        const { status, shadow } = await new Promise<{ status: number; shadow: unknown }>(
          (resolve, reject) => {
            const req = request(
              `${local.url}/predict`,
              { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'X-Request-Id': id } },
              (res) => {
                res.resume();
                res.on('end', () =>
                  resolve({ status: res.statusCode ?? 0, shadow: res.headers['x-shadow'] }),
                );
              },
            );
            req.on('error', reject);
            req.end(body);
          },
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200 && shadow === 'sampled') sampled.push(id);
      }
    };

    // Act
    await Promise.all(Array.from({ length: CONNECTIONS }, caller));
    agent.destroy();

    // Assert: wait until every sampled answer is accounted for (bounded), then check each part.
    let unaccounted: string[] = [...sampled];
    let failedDispatches = 0;
    await waitFor(
      async () => {
        if ((await queueDepth(local, local.queueName)) > 0) return undefined;
        const deadLettered = await queuedRequestIds(local, `${local.queueName}-dlq`);
        const missing: string[] = [];
        // Records only ever appear: ids found once are not asked for again.
        for (const id of unaccounted) {
          if (deadLettered.has(id)) continue;
          const record = await getComparison(local.url, id);
          if (record.status !== 200) missing.push(id);
        }
        unaccounted = missing;
        failedDispatches = emfTotals(local.lambdaLog()).get('ShadowDispatchFailed') ?? 0;
        return missing.length <= failedDispatches ? true : undefined;
      },
      'every sampled answer compared, dead-lettered or counted as a failed dispatch',
      240_000,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}: ${unaccounted.length} sampled answers without a record or DLQ entry, ${failedDispatches} failed dispatches counted; statuses ${JSON.stringify([...statuses])}`,
      );
    });
    const metrics = emfTotals(local.lambdaLog());
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    expect(sampled.length).toBeGreaterThan(0);
    // The router counted every sample it answered as sampled.
    expect(metrics.get('ShadowSampled')).toBeGreaterThanOrEqual(sampled.length);
    // Every sample the router sent and nobody counted as failed was compared by the worker.
    const deadLettered = (await queuedRequestIds(local, `${local.queueName}-dlq`)).size;
    expect(metrics.get('Compared') ?? 0).toBeGreaterThanOrEqual(
      sampled.length - failedDispatches - deadLettered,
    );
  }, 400_000);
});
