import { createServer } from 'node:net';
import { EXTENSION_NAME, startAfterResponseExtension } from '../../lambda/after-response/lambda-extension';
import { AfterResponse } from '../../lambda/after-response/registry';
import { type FakeLambdaApi, startFakeLambdaApi } from '../support/lambda-api/fake-lambda-api';
import { waitFor } from '../support/wait-for';

// The extension against an in-process fake of Lambda's Runtime and Extensions APIs; the test
// plays the runtime. The deployed bundle under a runtime loop: test/integration/after-response-extension.

/** What the extension reported. */
function recordedEvents() {
  const seen: string[] = [];
  return {
    seen,
    events: {
      unavailable: (reason: string) => seen.push(`unavailable: ${reason}`),
      gaveUp: (pending: number) => seen.push(`gave up with ${pending} pending`),
      failed: (reason: string) => seen.push(`failed: ${reason}`),
    },
  };
}

const runtimeNexts = (api: FakeLambdaApi) =>
  api.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/runtime/invocation/next')).length;

/** The runtime's side: take the next invocation, answer it. */
async function runtimeNext(api: FakeLambdaApi): Promise<string> {
  const response = await fetch(`http://${api.address}/2018-06-01/runtime/invocation/next`);
  await response.text();
  return response.headers.get('lambda-runtime-aws-request-id') ?? '';
}
async function runtimeRespond(api: FakeLambdaApi, requestId: string, body: unknown): Promise<void> {
  const response = await fetch(`http://${api.address}/2018-06-01/runtime/invocation/${requestId}/response`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  await response.text();
}

describe('startAfterResponseExtension', () => {
  it('is unavailable off Lambda (no runtime API): the router keeps answering after its work', async () => {
    const registry = new AfterResponse();
    const { seen, events } = recordedEvents();
    expect(await startAfterResponseExtension(registry, undefined, events)).toBe(false);
    expect(registry.active).toBe(false);
    expect(seen).toEqual(['unavailable: AWS_LAMBDA_RUNTIME_API is not set']);
  });

  it('is unavailable, without throwing, when registration fails', async () => {
    // A port that refuses connections.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const registry = new AfterResponse();
    const { seen, events } = recordedEvents();

    expect(await startAfterResponseExtension(registry, `127.0.0.1:${port}`, events)).toBe(false);
    expect(registry.active).toBe(false);
    expect(seen).toEqual([expect.stringMatching(/^unavailable: registration failed: /)]);
  });

  describe('registered', () => {
    let api: FakeLambdaApi;
    afterEach(() => api.close());

    it('registers for INVOKE and holds each invocation open until the deferred work has settled', async () => {
      // Arrange
      api = await startFakeLambdaApi();
      const registry = new AfterResponse();
      const { seen, events } = recordedEvents();
      expect(await startAfterResponseExtension(registry, api.address, events)).toBe(true);
      expect(registry.keptBy).toBe('lambda-extension');
      expect(api.extensions()).toEqual([
        expect.objectContaining({ name: EXTENSION_NAME, events: ['INVOKE'] }),
      ]);
      const invocation = api.invoke({ n: 1 });
      const next = runtimeNext(api);
      await api.initDone;
      const requestId = await next;
      // Act: the handler defers work, answers, and only then does the work settle
      let settle: () => void = () => undefined;
      registry.defer(new Promise<void>((resolve) => (settle = resolve)));
      registry.handlerEnded();
      await runtimeRespond(api, requestId, { statusCode: 200 });
      await invocation.responded;
      let completed = false;
      void invocation.completed.then(() => {
        completed = true;
      });
      void runtimeNext(api).catch(() => undefined);
      // Once the fake has the runtime's second `next`, only the extension holds the invocation open.
      await waitFor(
        () => (runtimeNexts(api) === 2 ? true : undefined),
        'the runtime calling next again',
        10_000,
        5,
      );
      expect(completed).toBe(false);
      settle();
      await invocation.completed;
      expect(completed).toBe(true);
      expect(seen).toEqual([]);
    });

    it('gives the environment back before the deadline when work is still pending, and says so', async () => {
      // Arrange: a 150 ms function timeout leaves 50 ms after the extension's 100 ms margin
      api = await startFakeLambdaApi({ timeoutMs: 150 });
      const registry = new AfterResponse();
      const { seen, events } = recordedEvents();
      await startAfterResponseExtension(registry, api.address, events);
      const invocation = api.invoke({ n: 1 });
      const next = runtimeNext(api);
      const requestId = await next;
      // Act: work that never settles
      registry.defer(new Promise<void>(() => undefined));
      registry.handlerEnded();
      await runtimeRespond(api, requestId, { statusCode: 200 });
      void runtimeNext(api).catch(() => undefined);
      await invocation.completed;
      // Assert
      expect(seen).toEqual(['gave up with 1 pending']);
    });
  });
});
