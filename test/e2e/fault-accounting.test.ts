import { churnV1 } from '../../local/models/churn';
import { waitFor } from '../support/wait-for';
import { getComparison, predict } from './api-client';
import { type LocalProcess, queueDepth, startLocalProcess } from './local-process';

const REQUESTS = 30;
const inputs = Array.from({ length: REQUESTS }, (_, i) => ({
  tenure_months: i,
  monthly_charges: 20 + i * 3,
  support_calls: i % 5,
}));
const productionAnswer = (input: unknown) =>
  churnV1.invoke({
    body: Buffer.from(JSON.stringify(input)),
    contentType: 'application/json',
    accept: undefined,
  }).body;

/**
 * Every dispatched shadow sample ends somewhere visible: a stored comparison (answered or failed
 * candidate), or the DLQ after the candidate kept pushing back. None is lost, and callers see
 * only production.
 */
describe.each([
  ['always throttles', 'test/e2e/models.throttled-candidate.json'],
  ['fails 30% and throttles 50% of calls', 'test/e2e/models.flaky-candidate.json'],
])('a candidate that %s', (_name, modelsFile) => {
  let local: LocalProcess;

  beforeAll(async () => {
    // Short visibility timeout: throttled messages come back (and reach the DLQ) within seconds.
    local = await startLocalProcess([
      '--models',
      modelsFile,
      '--batch-window',
      '0.1',
      '--visibility-timeout',
      '1',
    ]);
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('changes nothing for callers, and every dispatched sample is compared or dead-lettered (nothing lost)', async () => {
    const responses = await Promise.all(
      inputs.map((input, i) =>
        predict(local.url, input, { 'X-Request-Id': `acct-${i}` }).then((r) => ({ r, input })),
      ),
    );
    for (const { r, input } of responses) {
      expect(r.status).toBe(200);
      expect(r.text).toBe(productionAnswer(input));
    }
    // `sampled`: dispatched within the budget. `skipped`: the dispatch failed or timed out and was
    // counted (ShadowDispatchFailed); an aborted send may still have reached the queue.
    const dispatched = responses.filter(({ r }) => r.headers.get('x-shadow') === 'sampled').length;
    expect(dispatched).toBeGreaterThan(0);

    // Settled: the shadow queue is empty (every message deleted or moved to the DLQ).
    await waitFor(
      async () => ((await queueDepth(local, local.queueName)) === 0 ? true : undefined),
      'the shadow queue to drain',
      60_000,
    );
    const stored = await Promise.all(inputs.map((_, i) => getComparison(local.url, `acct-${i}`)));
    const compared = stored.filter((s) => s.status === 200).length;
    const deadLettered = await queueDepth(local, `${local.queueName}-dlq`);

    expect(stored.every((s) => s.status === 200 || s.status === 404)).toBe(true);
    expect(compared + deadLettered).toBeGreaterThanOrEqual(dispatched);
    expect(compared + deadLettered).toBeLessThanOrEqual(REQUESTS);
    for (const [i, { r }] of responses.entries()) {
      if (r.headers.get('x-shadow') === 'sampled' && modelsFile.includes('throttled'))
        expect(stored[i]?.status).toBe(404);
    }
    if (modelsFile.includes('throttled')) expect(compared).toBe(0);
    else expect(compared).toBeGreaterThan(0);
  }, 90_000);
});
