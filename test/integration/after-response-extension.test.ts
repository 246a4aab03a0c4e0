import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type DelayProxy, startDelayProxy } from '../../bench/latency/delay-proxy';
import { EXTENSION_NAME } from '../../lambda/after-response/lambda-extension';
import { EnvName } from '../../lambda/configuration/env-names';
import { LAMBDA_ESBUILD_OPTIONS, ROUTER_ESM_ENTRY } from '../../lib/constructs/esm-bundling';
import { type LocalSqs, startSqs } from '../../local/emulators/sqs';
import { parseModelsFile } from '../../local/model-server/models-file';
import { type ModelServer, startModelServer } from '../../local/model-server/server';
import { type FakeLambdaApi, startFakeLambdaApi } from '../support/lambda-api/fake-lambda-api';

/**
 * The deployed router bundle (ES module, built with the stack's esbuild options) run by a
 * stand-in of the Node.js runtime loop against a fake of Lambda's Runtime and Extensions APIs,
 * with the real model server and the SQS emulator behind a proxy that delays every queue call.
 * What cannot be checked here is Lambda itself: that it sends the response to API Gateway when
 * the runtime posts it (as documented) rather than when the invoke phase ends.
 */
const QUEUE_DELAY_MS = 300;
const RUNTIME_LOOP = join(__dirname, '..', 'support', 'lambda-api', 'runtime-loop.mjs');

let workDir: string;
let bundle: string;
let models: ModelServer;
let sqs: LocalSqs;
let slowQueue: DelayProxy;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'router-esm-'));
  bundle = join(workDir, 'index.mjs');
  await build({
    ...LAMBDA_ESBUILD_OPTIONS,
    entryPoints: [ROUTER_ESM_ENTRY],
    outfile: bundle,
    logLevel: 'silent',
  });
  const { endpoints } = parseModelsFile({
    production: 'churn-v1',
    candidates: ['churn-v2'],
    endpoints: {
      'churn-v1': { model: 'churn-v1', latencyMs: 5 },
      'churn-v2': { model: 'churn-v2', latencyMs: 5 },
    },
  });
  [models, sqs] = await Promise.all([
    startModelServer({ endpoints }),
    startSqs({
      region: 'us-east-1',
      queueName: 'shadow',
      deadLetterQueueName: 'shadow-dlq',
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 3,
    }),
  ]);
  slowQueue = await startDelayProxy({
    delayMs: QUEUE_DELAY_MS,
    upstreamOrigin: new URL(sqs.queue.url).origin,
  });
}, 60_000);

afterAll(async () => {
  await slowQueue?.close();
  await sqs?.stop();
  await models?.close();
  rmSync(workDir, { recursive: true, force: true });
});

interface Environment {
  readonly api: FakeLambdaApi;
  readonly child: ChildProcess;
  readonly output: () => string;
}

const running: Environment[] = [];
afterEach(async () => {
  for (const env of running.splice(0)) {
    env.child.kill('SIGKILL');
    await env.api.close();
  }
});

/** A fresh execution environment: the fake Lambda APIs and a runtime process that loads the bundle. */
async function startEnvironment(settings: {
  shadowDispatch: string;
  queueUrl: string;
  dispatchBudgetMs: number;
}): Promise<Environment> {
  const api = await startFakeLambdaApi({ functionName: 'shadow-rollout-test-router', timeoutMs: 6000 });
  const lines: string[] = [];
  const child = spawn(process.execPath, [RUNTIME_LOOP, bundle], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_RUNTIME_API: api.address,
      AWS_LAMBDA_FUNCTION_NAME: 'shadow-rollout-test-router',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: models.url,
      AWS_ENDPOINT_URL_SQS: new URL(settings.queueUrl).origin,
      POWERTOOLS_SERVICE_NAME: 'shadow-rollout-test',
      [EnvName.productionEndpoint]: 'churn-v1',
      [EnvName.candidateEndpoints]: 'churn-v2',
      [EnvName.shadowQueueUrl]: settings.queueUrl,
      [EnvName.shadowSampleRate]: '1',
      [EnvName.userKeySalt]: 'salt',
      [EnvName.dispatchBudgetMs]: String(settings.dispatchBudgetMs),
      [EnvName.shadowDispatch]: settings.shadowDispatch,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const env = { api, child, output: () => lines.join('') };
  running.push(env);
  await within(api.initDone, 15_000);
  return env;
}

function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const predictEvent = (requestId: string) => ({
  resource: '/predict',
  path: '/predict',
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, 'X-User-Id': 'dave' },
  body: '{"tenure_months": 3, "monthly_charges": 70.5, "support_calls": 2}',
  isBase64Encoded: false,
});

interface ProxyResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const slowQueueUrl = () => `${slowQueue.origin}${new URL(sqs.queue.url).pathname}`;

describe('the router bundle in after-response mode', () => {
  it('registers its internal extension during init, for INVOKE only', async () => {
    const env = await startEnvironment({
      shadowDispatch: 'after-response',
      queueUrl: slowQueueUrl(),
      dispatchBudgetMs: 50,
    });
    expect(env.api.extensions()).toEqual([
      expect.objectContaining({ name: EXTENSION_NAME, events: ['INVOKE'] }),
    ]);
    // Registered before the runtime's first request for an event (registration closes then).
    const first = env.api.requests().find((r) => r.path.endsWith('/runtime/invocation/next'));
    expect(env.api.extensions()[0]?.registeredAt).toBeLessThan(first?.at ?? 0);
  }, 30_000);

  it('answers before the slow queue call and ends the invocation only once the message is queued', async () => {
    const env = await startEnvironment({
      shadowDispatch: 'after-response',
      queueUrl: slowQueueUrl(),
      dispatchBudgetMs: 50,
    });
    const depthBefore = sqs.depth('shadow');

    for (const requestId of ['ext-1', 'ext-2']) {
      const invocation = env.api.invoke(predictEvent(requestId));
      const delivered = await within(invocation.delivered);
      const responded = await within(invocation.responded);
      const queuedAtResponse = sqs.depth('shadow');
      const completed = await within(invocation.completed);

      const response = responded.body as ProxyResult;
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({ 'X-Request-Id': requestId, 'X-Shadow': 'sampled' });
      // The caller did not wait for the queue: the answer came well inside its 300 ms delay …
      expect(responded.at - delivered.at).toBeLessThan(QUEUE_DELAY_MS - 50);
      // … the message was not queued yet when it came …
      expect(queuedAtResponse).toBe(depthBefore + (requestId === 'ext-1' ? 0 : 1));
      // … and the environment stayed up until it was.
      expect(completed.at - responded.at).toBeGreaterThan(QUEUE_DELAY_MS - 100);
    }
    expect(sqs.depth('shadow')).toBe(depthBefore + 2);
    expect(env.output()).toContain('"ShadowDispatched"');
    expect(env.api.extensionErrors()).toEqual([]);
  }, 30_000);

  it('answers 200 and ends the invocation promptly when the queue refuses connections', async () => {
    const env = await startEnvironment({
      shadowDispatch: 'after-response',
      queueUrl: 'http://127.0.0.1:9/000000000000/shadow',
      dispatchBudgetMs: 50,
    });

    const invocation = env.api.invoke(predictEvent('ext-refused'));
    const responded = await within(invocation.responded);
    const completed = await within(invocation.completed);

    expect((responded.body as ProxyResult).statusCode).toBe(200);
    expect(completed.at - responded.at).toBeLessThan(2000);
    await new Promise((done) => setTimeout(done, 50));
    expect(env.output()).toMatch(/"ShadowDispatchFailed":\[?1/);
    expect(env.output()).toContain('shadow dispatch failed');
  }, 30_000);
});

describe('the router bundle in before-response mode', () => {
  it('registers no extension and waits for the queue before answering', async () => {
    const env = await startEnvironment({
      shadowDispatch: 'before-response',
      queueUrl: slowQueueUrl(),
      dispatchBudgetMs: 1000,
    });
    expect(env.api.extensions()).toEqual([]);

    const invocation = env.api.invoke(predictEvent('before-1'));
    const delivered = await within(invocation.delivered);
    const responded = await within(invocation.responded);

    expect((responded.body as ProxyResult).headers['X-Shadow']).toBe('sampled');
    expect(responded.at - delivered.at).toBeGreaterThanOrEqual(QUEUE_DELAY_MS - 5);
  }, 30_000);
});
