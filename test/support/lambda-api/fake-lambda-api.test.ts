import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeLambdaApi, startFakeLambdaApi } from './fake-lambda-api';

const RUNTIME_LOOP = join(__dirname, 'runtime-loop.mjs');

// Handlers written as plain ESM, run by runtime-loop.mjs in a child process exactly like a bundle.
const FIXTURES = {
  'plain.mjs': `
export const handler = async (event, context) => {
  if (event.mode === 'throw') {
    const err = new Error('boom');
    err.name = 'FixtureError';
    throw err;
  }
  if (event.mode === 'register') {
    const res = await fetch('http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension/register', {
      method: 'POST',
      headers: { 'Lambda-Extension-Name': 'too-late' },
      body: JSON.stringify({ events: ['INVOKE'] }),
    });
    return { status: res.status, body: await res.json() };
  }
  return {
    echo: event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    arn: context.invokedFunctionArn,
    remainingMs: context.getRemainingTimeInMillis(),
    traceId: process.env._X_AMZN_TRACE_ID,
  };
};
`,
  // The documented "run code after returning a response" pattern: an internal extension registered
  // during init holds the invoke phase open until the work the handler left running is done.
  'after-response.mjs': `
const base = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
const registered = await fetch(base + '/register', {
  method: 'POST',
  headers: { 'Lambda-Extension-Name': 'after-response' },
  body: JSON.stringify({ events: ['INVOKE'] }),
});
if (registered.status !== 200) throw new Error('register answered ' + registered.status);
await registered.json();
const id = registered.headers.get('lambda-extension-identifier');

const handedOver = new Map();
function slot(requestId) {
  let s = handedOver.get(requestId);
  if (!s) {
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    s = { promise, resolve };
    handedOver.set(requestId, s);
  }
  return s;
}

(async () => {
  for (;;) {
    const res = await fetch(base + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } });
    const event = await res.json();
    if (event.eventType !== 'INVOKE') continue;
    await (await slot(event.requestId).promise);
    handedOver.delete(event.requestId);
  }
})();

export const handler = async (event, context) => {
  const work = new Promise((r) => setTimeout(r, event.workMs));
  slot(context.awsRequestId).resolve(work);
  return { answered: true };
};
`,
  'init-error.mjs': `
await new Promise((r) => setTimeout(r, 10));
throw new Error('bad init');
`,
};

let dir: string;
const fakes: FakeLambdaApi[] = [];
const children: { child: ChildProcess; output: string[] }[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-lambda-api-'));
  for (const [name, source] of Object.entries(FIXTURES)) writeFileSync(join(dir, name), source);
});

afterAll(async () => {
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  await Promise.all(fakes.map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(fixture: keyof typeof FIXTURES, options?: { timeoutMs?: number }) {
  const api = await startFakeLambdaApi({ functionName: 'fixture-fn', ...options });
  fakes.push(api);
  const output: string[] = [];
  const child = spawn(process.execPath, [RUNTIME_LOOP, join(dir, fixture)], {
    env: { ...process.env, AWS_LAMBDA_RUNTIME_API: api.address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  children.push({ child, output });
  /** Bounds a wait and, if it runs out, says what the child printed. */
  const within = <T>(promise: Promise<T>, ms = 5000): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out; child output:\n${output.join('')}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };
  return { api, child, within };
}

/** One HTTP call from the test itself, without keep-alive so no socket outlives it. */
function call(
  api: FakeLambdaApi,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const [host, port] = api.address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? JSON.parse(text) : undefined,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('fake Lambda Runtime and Extensions API', () => {
  describe('with a plain handler', () => {
    let ctx: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      ctx = await start('plain.mjs', { timeoutMs: 3000 });
      await ctx.within(ctx.api.initDone);
    });

    it('delivers the event with the invocation headers and returns the response', async () => {
      const inv = ctx.api.invoke({ mode: 'echo', n: 1 });
      const responded = await ctx.within(inv.responded);
      const completed = await ctx.within(inv.completed);

      expect(responded.error).toBeUndefined();
      expect(responded.body).toEqual({
        echo: { mode: 'echo', n: 1 },
        requestId: inv.requestId,
        functionName: 'fixture-fn',
        arn: 'arn:aws:lambda:us-east-1:123456789012:function:fixture-fn',
        remainingMs: expect.any(Number),
        traceId: expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/),
      });
      const { remainingMs } = responded.body as { remainingMs: number };
      expect(remainingMs).toBeGreaterThan(2000);
      expect(remainingMs).toBeLessThanOrEqual(3000);
      expect(completed.at).toBeGreaterThanOrEqual(responded.at);
      expect(ctx.api.extensions()).toEqual([]);
    });

    it('refuses extension registration once init has ended', async () => {
      const inv = ctx.api.invoke({ mode: 'register' });
      const { body } = await ctx.within(inv.responded);
      expect(body).toEqual({
        status: 403,
        body: { errorType: 'Extension.RegistrationClosed', errorMessage: expect.any(String) },
      });
      await ctx.within(inv.completed);
      expect(ctx.api.extensions()).toEqual([]);
    });

    it('reports a thrown error as an invocation error', async () => {
      const inv = ctx.api.invoke({ mode: 'throw' });
      const responded = await ctx.within(inv.responded);
      expect(responded.body).toBeUndefined();
      expect(responded.error).toEqual({
        errorType: 'FixtureError',
        errorMessage: 'boom',
        trace: expect.arrayContaining([expect.stringContaining('FixtureError: boom')]),
      });
      await ctx.within(inv.completed);
      const posted = ctx.api
        .requests()
        .filter((r) => r.path === `/2018-06-01/runtime/invocation/${inv.requestId}/error`);
      expect(posted).toHaveLength(1);
    });
  });

  describe('with an internal extension that outlives the response', () => {
    let ctx: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      ctx = await start('after-response.mjs');
      await ctx.within(ctx.api.initDone);
    });

    it('registers during init and holds the invoke phase open until the left-over work is done', async () => {
      expect(ctx.api.extensions()).toEqual([
        {
          name: 'after-response',
          id: expect.any(String),
          events: ['INVOKE'],
          registeredAt: expect.any(Number),
        },
      ]);
      const first = ctx.api.invoke({ workMs: 300 });
      const second = ctx.api.invoke({ workMs: 0 });

      const responded = await ctx.within(first.responded);
      const completed = await ctx.within(first.completed);
      expect(responded.body).toEqual({ answered: true });
      expect(completed.at - responded.at).toBeGreaterThanOrEqual(250);

      // The runtime itself was ready again right away: the extension is what kept the phase open.
      const runtimeBack = ctx.api
        .requests()
        .find((r) => r.path === '/2018-06-01/runtime/invocation/next' && r.at > responded.at);
      expect(completed.at - (runtimeBack?.at ?? Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(100);

      const delivered = await ctx.within(second.delivered);
      expect(delivered.at).toBeGreaterThanOrEqual(completed.at);
      expect((await ctx.within(second.responded)).at).toBeGreaterThanOrEqual(completed.at);
      await ctx.within(second.completed);
    });
  });

  it('fails init when the bundle throws at import, and fails queued invocations with it', async () => {
    const { api, within } = await start('init-error.mjs');
    const inv = api.invoke({});
    await expect(within(api.initDone)).rejects.toThrow(/bad init/);
    await expect(inv.responded).rejects.toThrow(/bad init/);
    expect(api.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /2018-06-01/runtime/init/error',
    ]);
  });

  it('answers protocol mistakes with Lambda status codes', async () => {
    const api = await startFakeLambdaApi();
    fakes.push(api);
    const register = (headers: Record<string, string>, body: string) =>
      call(api, 'POST', '/2020-01-01/extension/register', headers, body);

    expect((await register({}, '{"events":["INVOKE"]}')).status).toBe(400);
    expect((await register({ 'Lambda-Extension-Name': 'x' }, 'not json')).status).toBe(400);
    expect(await register({ 'Lambda-Extension-Name': 'x' }, '{"events":["SHUTDOWN"]}')).toMatchObject({
      status: 403,
      body: { errorType: 'Extension.InvalidEventType' },
    });
    const ok = await register({ 'Lambda-Extension-Name': 'x' }, '{"events":["INVOKE"]}');
    expect(ok).toMatchObject({
      status: 200,
      headers: { 'lambda-extension-identifier': expect.any(String) },
      body: { functionName: 'test-function', functionVersion: '$LATEST', handler: 'index.handler' },
    });
    expect((await register({ 'Lambda-Extension-Name': 'x' }, '{"events":["INVOKE"]}')).status).toBe(403);

    expect((await call(api, 'GET', '/2020-01-01/extension/event/next')).status).toBe(403);
    expect(
      (await call(api, 'GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': 'nope' }))
        .status,
    ).toBe(403);
    expect((await call(api, 'POST', '/2018-06-01/runtime/invocation/nope/response', {}, '{}')).status).toBe(
      400,
    );

    const id = String(ok.headers['lambda-extension-identifier']);
    const exitError = await call(api, 'POST', '/2020-01-01/extension/exit/error', {
      'Lambda-Extension-Identifier': id,
      'Lambda-Extension-Function-Error-Type': 'Extension.Crash',
    });
    expect(exitError).toEqual({ status: 202, headers: expect.anything(), body: { status: 'OK' } });
    expect(api.extensionErrors()).toEqual([{ id, kind: 'exit', errorType: 'Extension.Crash' }]);
  });
});
