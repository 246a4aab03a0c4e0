import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SendMessageCommand, type SendMessageCommandOutput, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { AfterResponse } from '../../lambda/after-response/registry';
import { captureOutput } from '../support/captured-output';
import { lambdaContext, predictEvent } from '../support/proxy-events';
import { ROUTER_TEST_ENV } from '../support/router-env';

// The router in after-response mode: what changes once something keeps the process running
// after the answer (the Lambda extension, or local mode), and what does not before that.
const modelMock = mockClient(SageMakerRuntimeClient);
const sqsMock = mockClient(SQSClient);
const context = lambdaContext('router');

let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let registry: AfterResponse;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  Object.assign(process.env, {
    ...ROUTER_TEST_ENV,
    DISPATCH_BUDGET_MS: '30',
    SHADOW_DISPATCH: 'after-response',
  });
  ({ handler } = await import('../../lambda/handlers/router'));
  ({ afterResponse: registry } = await import('../../lambda/after-response/registry'));
});

beforeEach(() => {
  modelMock.reset();
  sqsMock.reset();
  modelMock.on(InvokeEndpointCommand).resolves({
    Body: Buffer.from('{"label":"stay","probability":0.2}') as never,
    ContentType: 'application/json',
  });
  output = captureOutput();
});
afterEach(async () => {
  await registry.idle();
  output.restore();
});

const predict = (requestId: string) =>
  predictEvent('{"tenure_months": 4, "ssn": "123-45-6789"}', {
    'X-Request-Id': requestId,
    'X-User-Id': 'carol@example.com',
  });

/** A SendMessage that completes (or fails) only when the test says so. */
function heldSend() {
  let release: (outcome: 'ok' | Error) => void = () => undefined;
  sqsMock.on(SendMessageCommand).callsFake(
    () =>
      new Promise<SendMessageCommandOutput>((resolve, reject) => {
        release = (outcome) =>
          outcome === 'ok' ? resolve({ MessageId: 'm-1', $metadata: {} }) : reject(outcome);
      }),
  );
  return { release: (outcome: 'ok' | Error) => release(outcome) };
}

describe('router in after-response mode', () => {
  it('waits for the send as before while nothing keeps the process running after the answer', async () => {
    // Not activated: the extension has not registered (or could not), so deferring would risk
    // a send frozen with the environment. The caller waits up to the dispatch budget instead.
    expect(registry.active).toBe(false);
    heldSend();

    const response = await handler(predict('fallback-1'), context);

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['X-Shadow']).toBe('skipped');
    expect(output.metric('ShadowDispatchLate')).toBe(1);
    expect(registry.pendingCount).toBe(0);
  });

  describe('once activated', () => {
    beforeAll(() => registry.activate('lambda-extension'));

    it('answers before the send completes and counts the send when it does', async () => {
      const send = heldSend();

      const response = await handler(predict('after-1'), context);

      // The answer is out while SendMessage is still in flight.
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('{"label":"stay","probability":0.2}');
      expect(response.headers).toMatchObject({ 'X-Request-Id': 'after-1', 'X-Shadow': 'sampled' });
      expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
      expect(registry.pendingCount).toBe(1);
      expect(output.metric('ShadowDispatched')).toBe(0);
      expect(output.metric('ShadowSampled')).toBe(1);

      send.release('ok');
      await registry.idle();

      // Published after the answer, by the deferred work itself.
      expect(output.metric('ShadowDispatched')).toBe(1);
      expect(output.metric('ShadowDispatchFailed')).toBe(0);
    });

    it('keeps the invocation open (drained) until the handler returned and the send settled', async () => {
      const send = heldSend();
      const drained = registry.drained(registry.handlersEnded + 1, Date.now() + 10_000);
      let drainedAt = 0;
      void drained.then(() => {
        drainedAt = performance.now();
      });

      await handler(predict('after-2'), context);
      const answeredAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(drainedAt).toBe(0);

      send.release('ok');
      await expect(drained).resolves.toBe('drained');
      expect(drainedAt).toBeGreaterThan(answeredAt + 40);
    });

    it('answers 200 when the queue fails after the answer, then logs and counts the failure without the payload', async () => {
      const send = heldSend();

      const response = await handler(predict('after-3'), context);
      send.release(Object.assign(new Error('queue down'), { name: 'QueueDoesNotExist' }));
      await registry.idle();

      expect(response.statusCode).toBe(200);
      expect(output.metric('ShadowDispatchFailed')).toBe(1);
      const failure = output.lines.find((line) => line.includes('shadow dispatch failed'));
      expect(failure).toBeDefined();
      expect(JSON.parse(failure as string)).toMatchObject({
        requestId: 'after-3',
        errorName: 'QueueDoesNotExist',
        shadowDispatch: 'after-response',
      });
      expect(output.text()).not.toContain('123-45-6789');
      expect(output.text()).not.toContain('carol@example.com');
    });

    it('bounds a send that never completes with the after-response budget, not the caller', async () => {
      jest.useFakeTimers({ doNotFake: ['performance', 'queueMicrotask', 'nextTick', 'setImmediate'] });
      try {
        sqsMock.on(SendMessageCommand).callsFake(() => new Promise(() => undefined));
        const response = await handler(predict('after-4'), context);
        expect(response.headers?.['X-Shadow']).toBe('sampled');
        expect(registry.pendingCount).toBe(1);

        // Past the stage's 30 ms budget the send is still waited for: nobody is waiting on it.
        await jest.advanceTimersByTimeAsync(1000);
        expect(registry.pendingCount).toBe(1);
        await jest.advanceTimersByTimeAsync(1100);
        expect(registry.pendingCount).toBe(0);
        expect(output.metric('ShadowDispatchLate')).toBe(1);
      } finally {
        jest.useRealTimers();
      }
    });

    it('counts a send that was late and then failed as a failed dispatch: no sample unaccounted', async () => {
      jest.useFakeTimers({ doNotFake: ['performance', 'queueMicrotask', 'nextTick', 'setImmediate'] });
      try {
        const send = heldSend();
        await handler(predict('after-5'), context);
        await jest.advanceTimersByTimeAsync(2100);
        expect(output.metric('ShadowDispatchLate')).toBe(1);
        expect(output.metric('ShadowDispatchFailed')).toBe(0);

        send.release(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
        await jest.advanceTimersByTimeAsync(0);

        expect(output.metric('ShadowDispatchFailed')).toBe(1);
        expect(output.lines.some((line) => line.includes('failed after it was counted late'))).toBe(true);
      } finally {
        jest.useRealTimers();
      }
    });

    it('counts nothing more when a late send lands', async () => {
      jest.useFakeTimers({ doNotFake: ['performance', 'queueMicrotask', 'nextTick', 'setImmediate'] });
      try {
        const send = heldSend();
        await handler(predict('after-6'), context);
        await jest.advanceTimersByTimeAsync(2100);
        send.release('ok');
        await jest.advanceTimersByTimeAsync(0);

        expect(output.metric('ShadowDispatchLate')).toBe(1);
        expect(output.metric('ShadowDispatchFailed')).toBe(0);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
