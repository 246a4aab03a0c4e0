import { waitFor } from '../support/wait-for';
import { CHURN_EXAMPLE, predict, waitForComparison } from './api-client';
import { type LocalProcess, queueDepth, startLocalProcess } from './local-process';

describe('a shadow message redelivered after a worker failure', () => {
  let local: LocalProcess;

  beforeAll(async () => {
    // Every first delivery is failed after the worker ran (and stored its record), so every
    // message comes back once the 1 s visibility timeout expires.
    local = await startLocalProcess([
      '--fail-first-delivery',
      '--visibility-timeout',
      '1',
      '--batch-window',
      '0.1',
    ]);
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('yields exactly one comparison record, unchanged by the second delivery', async () => {
    // Arrange
    const response = await predict(local.url, CHURN_EXAMPLE);
    const requestId = response.headers.get('x-request-id') ?? '';
    const firstDelivery = await waitForComparison(local.url, requestId);

    // Act: the message can only leave the queue after a successful second delivery.
    await waitFor(
      async () => ((await queueDepth(local, local.queueName)) === 0 ? true : undefined),
      'the redelivery',
      20_000,
    );

    // Assert
    const afterRedelivery = await waitForComparison(local.url, requestId);
    expect(local.output()).toMatch(/1 failed by --fail-first-delivery/);
    expect(await queueDepth(local, `${local.queueName}-dlq`)).toBe(0);
    expect(afterRedelivery).toEqual(firstDelivery);
  });
});
