import { sageMakerRuntimeClient } from '../../lambda/adapters/clients';
import { EnvName } from '../../lambda/configuration/env-names';
import { METRICS_NAMESPACE, MetricName } from '../../lambda/core/metric-names';
import type { ShadowDispatch } from '../../lambda/core/shadow-dispatch';
import { stages } from '../../lib/config/stages';
import { LOCAL_CREDENTIALS } from '../../local/local-aws';
import { CONFLICTING_AWS_VARIABLES } from '../../local/local-env';
import { naiveShadowHandler } from '../naive-handler';
import { type LatencySummary, summarize } from '../stats';
import { type CpuBreakdown, profileCpu } from './cpu-profile';
import { runInterleaved, type Variant, type VariantSamples } from './driver';
import { CANDIDATE_ENDPOINT, PRODUCTION_ENDPOINT, REGION } from './endpoints';
import { pinLocalhostDns } from './localhost-dns';
import { type OutputSink, sinkProcessOutput } from './output-sink';
import { timeSdkCalls } from './phases';
import { loadRouterInstance, type RouterInstance } from './router-instance';
import { type Servers, startServers } from './servers-process';
import { directInvokeVariant, handlerVariant } from './variants';

export interface UserPathOptions {
  readonly perVariantC1: number;
  readonly perVariantC32: number;
  /** Counts for the slowed-queue phases, which show behaviour more than tail precision. */
  readonly slowPerVariantC1: number;
  readonly slowPerVariantC32: number;
  readonly warmupPerVariant: number;
  readonly productionLatencyMs: number;
  readonly candidateLatencyMs: number;
  readonly queueDelayMs: number;
  /** A dispatch budget below the injected queue latency. */
  readonly shortBudgetMs: number;
  /** Requests per variant for the phase split and the CPU profiles (concurrency 1). */
  readonly profileRequests: number;
  readonly log: (line: string) => void;
}

export interface VariantResult {
  readonly key: string;
  readonly label: string;
  readonly summary: LatencySummary;
  readonly failures: number;
  /** `X-Shadow: sampled` answers (dispatch succeeded within the budget). */
  readonly shadowSampled: number;
  /** `X-Shadow: skipped` answers; with 100% sampling these are failed dispatches. */
  readonly shadowSkipped: number;
  /** ShadowDispatchLate + ShadowDispatchFailed (not confirmed within the budget) from this instance's EMF output. */
  readonly dispatchFailedEmf?: number;
  /** Messages that reached this variant's queue during the phase. */
  readonly enqueued?: number;
  /** After-response variants: from the answer until the deferred send settled (billed, not waited for). */
  readonly postResponse?: LatencySummary;
}

export interface PhaseResult {
  readonly scenario: 'fast' | 'delayed';
  readonly concurrency: number;
  readonly variants: VariantResult[];
  readonly seconds: number;
  /** New TCP connections the delaying proxy accepted during the phase. */
  readonly proxyConnections?: number;
}

export interface PhaseSplit {
  readonly label: string;
  readonly totalMs: LatencySummary;
  readonly modelCallMs: LatencySummary;
  readonly dispatchMs: LatencySummary;
  readonly ownMs: LatencySummary;
}

export interface UserPathResult {
  readonly defaultBudgetMs: number;
  readonly shortBudgetMs: number;
  readonly phases: PhaseResult[];
  readonly split: PhaseSplit[];
  /** Process CPU time per request (user + system, this process only: not the model server). */
  readonly cpu: {
    readonly label: string;
    readonly cpuMsPerRequest: number;
    readonly breakdown: CpuBreakdown;
  }[];
  /** Bytes of EMF and log lines the router writes per request (feeds the cost command). */
  readonly routerOutputBytesPerRequest: { readonly shadowOff: number; readonly shadowOn: number };
}

const LABELS: Record<string, string> = {
  a: '(a) direct InvokeEndpoint (floor)',
  b: '(b) router, shadow off',
  c: '(c) router, 100% shadow',
  d: '(d) naive: production then candidate',
  e: '(e) router, 100% shadow, answer first (after-response)',
};

/**
 * The user-path benchmark: the same requests through the floor, the router with shadowing off
 * and on, and the naive design, interleaved, at concurrency 1 and 32; then again with the
 * queue slowed down, with the default dispatch budget and one below the queue's latency.
 */
export async function measureUserPath(options: UserPathOptions): Promise<UserPathResult> {
  const { log } = options;
  const dev = stages.dev.router;
  const queues = {
    fast: 'bench-fast',
    fastAfter: 'bench-fast-after',
    delayedDefault: 'bench-delayed-default',
    delayedShort: 'bench-delayed-short',
    delayedAfter: 'bench-delayed-after',
  };
  const servers = await startServers({
    productionLatencyMs: options.productionLatencyMs,
    candidateLatencyMs: options.candidateLatencyMs,
    queueDelayMs: options.queueDelayMs,
    queueNames: Object.values(queues),
  });
  const restoreDns = pinLocalhostDns();
  for (const name of CONFLICTING_AWS_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: servers.modelUrl,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  });
  const sink = sinkProcessOutput();
  // The floor and the naive design use a client built like the router's (same retries, timeouts).
  const modelClient = () =>
    sageMakerRuntimeClient({
      maxAttempts: dev.modelMaxAttempts,
      attemptTimeoutMs: Math.ceil(dev.modelTimeoutMs / dev.modelMaxAttempts),
    });
  const floorClient = modelClient();
  const naiveClient = modelClient();
  const runTag = `r${Date.now().toString(36)}`;
  const router = (
    service: string,
    shadow: boolean,
    queueUrl: string,
    budgetMs: number,
    shadowDispatch: ShadowDispatch = 'before-response',
  ): RouterInstance => {
    const instance = loadRouterInstance({
      [EnvName.productionEndpoint]: PRODUCTION_ENDPOINT,
      [EnvName.candidateEndpoints]: CANDIDATE_ENDPOINT,
      [EnvName.shadowQueueUrl]: queueUrl,
      [EnvName.shadowEnabled]: String(shadow),
      [EnvName.shadowSampleRate]: shadow ? '1' : '0',
      [EnvName.canaryPercent]: '0',
      [EnvName.userKeySalt]: 'bench',
      [EnvName.modelTimeoutMs]: String(dev.modelTimeoutMs),
      [EnvName.modelMaxAttempts]: String(dev.modelMaxAttempts),
      [EnvName.dispatchBudgetMs]: String(budgetMs),
      [EnvName.shadowDispatch]: shadowDispatch,
      POWERTOOLS_SERVICE_NAME: service,
    });
    // What the extension's registration does on Lambda: the send may now outlive the answer.
    if (shadowDispatch === 'after-response') instance.afterResponse.activate('lambda-extension');
    return instance;
  };
  /** The router answering first; each call waits (untimed) for its deferred send, as Lambda would. */
  const answerFirst = (name: string, service: string, queueUrl: string): Variant => {
    const instance = router(service, true, queueUrl, dev.dispatchBudgetMs, 'after-response');
    return handlerVariant(name, instance.handler, runTag, instance.afterResponse);
  };

  const phases: PhaseResult[] = [];
  const split: PhaseSplit[] = [];
  const cpu: UserPathResult['cpu'] = [];
  let outputBytes = { shadowOff: 0, shadowOn: 0 };
  try {
    const a = directInvokeVariant('a', floorClient, PRODUCTION_ENDPOINT);

    // Fast queue: the router talks to the emulator directly.
    process.env.AWS_ENDPOINT_URL_SQS = servers.sqsOrigin;
    const fastUrl = servers.queueUrls[queues.fast] as string;
    const b = handlerVariant('b', router('bench-b', false, fastUrl, dev.dispatchBudgetMs).handler, runTag);
    const c = handlerVariant('c', router('bench-c', true, fastUrl, dev.dispatchBudgetMs).handler, runTag);
    const e = answerFirst('e', 'bench-e', servers.queueUrls[queues.fastAfter] as string);
    const d = handlerVariant(
      'd',
      naiveShadowHandler({
        client: naiveClient,
        productionEndpoint: PRODUCTION_ENDPOINT,
        candidateEndpoint: CANDIDATE_ENDPOINT,
      }),
      runTag,
    );
    const fastVariants = [a, b, c, d, e];
    const fastQueues: Record<string, string> = { c: queues.fast, e: queues.fastAfter };
    const services: Record<string, string> = { b: 'bench-b', c: 'bench-c', e: 'bench-e' };
    await warmUp(fastVariants, options.warmupPerVariant);
    for (const concurrency of [1, 32]) {
      const perVariant = concurrency === 1 ? options.perVariantC1 : options.perVariantC32;
      log(`fast queue, concurrency ${concurrency}: ${perVariant} requests per variant…`);
      phases.push(
        await measurePhase('fast', concurrency, fastVariants, perVariant, {
          sink,
          servers,
          fastQueues,
          services,
        }),
      );
    }

    log(`phase split and CPU profiles (${options.profileRequests} requests per variant, concurrency 1)…`);
    split.push(...(await splitPhases([a, b, c], options.profileRequests)));
    for (const variant of [a, b, c]) {
      sink.clear();
      const before = process.cpuUsage();
      await runInterleaved([variant], options.profileRequests, 1);
      const used = process.cpuUsage(before);
      const cpuMsPerRequest = (used.user + used.system) / 1000 / options.profileRequests;
      const bytes = sink.bytes() / options.profileRequests;
      if (variant === b) outputBytes = { ...outputBytes, shadowOff: bytes };
      if (variant === c) outputBytes = { ...outputBytes, shadowOn: bytes };
      const breakdown = await profileCpu(async () => {
        await runInterleaved([variant], options.profileRequests, 1);
      });
      cpu.push({ label: LABELS[variant.name] ?? variant.name, cpuMsPerRequest, breakdown });
    }

    // Slow queue: every SQS request passes the delaying proxy.
    process.env.AWS_ENDPOINT_URL_SQS = servers.delayedSqsOrigin;
    const viaProxy = (queue: string) =>
      `${servers.delayedSqsOrigin}${new URL(servers.queueUrls[queue] as string).pathname}`;
    const b2 = handlerVariant(
      'b',
      router('bench-b-slowq', false, viaProxy(queues.fast), dev.dispatchBudgetMs).handler,
      runTag,
    );
    const cDefault = handlerVariant(
      'cDefault',
      router('bench-c-default', true, viaProxy(queues.delayedDefault), dev.dispatchBudgetMs).handler,
      runTag,
    );
    const cShort = handlerVariant(
      'cShort',
      router('bench-c-short', true, viaProxy(queues.delayedShort), options.shortBudgetMs).handler,
      runTag,
    );
    const eSlow = answerFirst('eSlow', 'bench-e-slowq', viaProxy(queues.delayedAfter));
    const slowVariants = [a, b2, cDefault, cShort, eSlow];
    const slowQueues = {
      cDefault: queues.delayedDefault,
      cShort: queues.delayedShort,
      eSlow: queues.delayedAfter,
    };
    const slowServices = {
      b: 'bench-b-slowq',
      cDefault: 'bench-c-default',
      cShort: 'bench-c-short',
      eSlow: 'bench-e-slowq',
    };
    await warmUp(slowVariants, options.warmupPerVariant);
    for (const concurrency of [1, 32]) {
      const perVariant = concurrency === 1 ? options.slowPerVariantC1 : options.slowPerVariantC32;
      log(
        `queue +${options.queueDelayMs} ms, concurrency ${concurrency}: ${perVariant} requests per variant…`,
      );
      const before = await servers.proxyStats();
      const phase = await measurePhase('delayed', concurrency, slowVariants, perVariant, {
        sink,
        servers,
        fastQueues: slowQueues,
        services: slowServices,
      });
      // Messages sent after the caller's deadline land a little later; let them arrive.
      await new Promise((done) => setTimeout(done, options.queueDelayMs * 5));
      const after = await servers.proxyStats();
      phases.push({ ...phase, proxyConnections: after.connections - before.connections });
    }
  } finally {
    sink.restore();
    restoreDns();
    floorClient.destroy();
    naiveClient.destroy();
    await servers.stop();
  }
  return {
    defaultBudgetMs: dev.dispatchBudgetMs,
    shortBudgetMs: options.shortBudgetMs,
    phases,
    split,
    cpu,
    routerOutputBytesPerRequest: outputBytes,
  };

  function labelOf(key: string): string {
    if (key === 'cDefault') return `(c) router, 100% shadow, budget ${dev.dispatchBudgetMs} ms`;
    if (key === 'cShort') return `(c') router, 100% shadow, budget ${options.shortBudgetMs} ms`;
    if (key === 'eSlow') return '(e) router, 100% shadow, answer first (after-response)';
    return LABELS[key] ?? key;
  }

  async function measurePhase(
    scenario: PhaseResult['scenario'],
    concurrency: number,
    variants: Variant[],
    perVariant: number,
    context: {
      sink: OutputSink;
      servers: Servers;
      fastQueues: Record<string, string>;
      services: Record<string, string>;
    },
  ): Promise<PhaseResult> {
    const depthBefore = await queueDepths(context.servers, context.fastQueues);
    context.sink.clear();
    const started = performance.now();
    const samples = await runInterleaved(variants, perVariant, concurrency);
    const seconds = (performance.now() - started) / 1000;
    await new Promise((done) => setTimeout(done, 50));
    const depthAfter = await queueDepths(context.servers, context.fastQueues);
    const failedByService = context.sink.metricByService(MetricName.ShadowDispatchFailed);
    for (const [service, late] of context.sink.metricByService(MetricName.ShadowDispatchLate)) {
      failedByService.set(service, (failedByService.get(service) ?? 0) + late);
    }
    return {
      scenario,
      concurrency,
      seconds,
      variants: samples.map((s) => variantResult(s, context, failedByService, depthBefore, depthAfter)),
    };
  }

  function variantResult(
    s: VariantSamples,
    context: { fastQueues: Record<string, string>; services: Record<string, string> },
    failedByService: Map<string, number>,
    depthBefore: Record<string, number>,
    depthAfter: Record<string, number>,
  ): VariantResult {
    const service = context.services[s.name];
    const queue = context.fastQueues[s.name];
    return {
      key: s.name,
      label: labelOf(s.name),
      summary: summarize(s.latenciesMs),
      failures: s.failures,
      shadowSampled: s.shadowSampled,
      shadowSkipped: s.shadowSkipped,
      ...(service === undefined ? {} : { dispatchFailedEmf: failedByService.get(service) ?? 0 }),
      ...(queue === undefined ? {} : { enqueued: (depthAfter[queue] ?? 0) - (depthBefore[queue] ?? 0) }),
      ...(s.postResponseMs.length === 0 ? {} : { postResponse: summarize(s.postResponseMs) }),
    };
  }
}

async function warmUp(variants: Variant[], perVariant: number): Promise<void> {
  // JIT, keep-alive sockets and lazy SDK configuration, at both concurrencies.
  await runInterleaved(variants, perVariant, 1);
  await runInterleaved(variants, perVariant * 2, 32);
}

async function queueDepths(
  servers: Servers,
  queues: Record<string, string>,
): Promise<Record<string, number>> {
  const depths: Record<string, number> = {};
  for (const name of new Set(Object.values(queues))) depths[name] = await servers.depth(name);
  return depths;
}

/**
 * Splits each request's time into the model call, the shadow dispatch and the rest, with the
 * SDK calls timed from outside (concurrency 1, variants interleaved).
 */
async function splitPhases(variants: Variant[], perVariant: number): Promise<PhaseSplit[]> {
  const timer = timeSdkCalls();
  const rows = variants.map(() => ({
    total: [] as number[],
    model: [] as number[],
    queue: [] as number[],
    own: [] as number[],
  }));
  try {
    for (let seq = 0; seq < perVariant; seq++) {
      for (const [i, variant] of variants.entries()) {
        const call = variant.prepare(1_000_000 + seq);
        timer.begin();
        const started = performance.now();
        await call();
        const total = performance.now() - started;
        const { modelMs, queueMs } = timer.current();
        const row = rows[i] as (typeof rows)[number];
        row.total.push(total);
        row.model.push(modelMs);
        row.queue.push(queueMs);
        row.own.push(total - modelMs - queueMs);
      }
    }
  } finally {
    timer.restore();
  }
  return variants.map((variant, i) => {
    const row = rows[i] as (typeof rows)[number];
    return {
      label: LABELS[variant.name] ?? variant.name,
      totalMs: summarize(row.total),
      modelCallMs: summarize(row.model),
      dispatchMs: summarize(row.queue),
      ownMs: summarize(row.own),
    };
  });
}
