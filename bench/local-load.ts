import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { seededRandom, typicalChurnCustomer } from '../local/models/traffic';
import { threadCpuMs } from '../local/threads/thread-cpu';

export interface LoadOptions {
  readonly url: string;
  readonly requests: number;
  readonly concurrency: number;
}

export interface LoadResult {
  /** Caller latency per request, ms, in completion order. */
  readonly latencies: number[];
  readonly statuses: Record<number, number>;
  /** Request ids answered `X-Shadow: sampled`. */
  readonly sampledIds: string[];
  readonly servedSeconds: number;
  /** When the first request was sent, ms since the epoch (comparable across threads). */
  readonly startedAt: number;
  /** CPU time of the thread that sent the load, from the first request to the last answer, ms (Linux). */
  readonly callerCpuMs: number | undefined;
}

/**
 * `bench:local`'s callers: realistic churn traffic from 300 sticky users, `concurrency` requests
 * at a time, each with its own request id so what was stored can be checked per request.
 */
export async function sendLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, requests, concurrency } = options;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const sampledIds: string[] = [];
  const random = seededRandom(42);
  const inputs = Array.from({ length: requests }, () => JSON.stringify(typicalChurnCustomer(random)));
  let next = 0;
  const started = performance.now();
  const startedAt = performance.timeOrigin + started;
  const cpuBefore = threadCpuMs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < requests; i = next++) {
        const t = performance.now();
        const response = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-request-id': `local-bench-${i}`,
            'x-user-id': `user-${i % 300}`,
          },
          body: inputs[i] as string,
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.headers.get('x-shadow') === 'sampled') sampledIds.push(`local-bench-${i}`);
      }
    }),
  );
  const servedSeconds = (performance.now() - started) / 1000;
  const cpuAfter = threadCpuMs();
  const callerCpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return { latencies, statuses, sampledIds, servedSeconds, startedAt, callerCpuMs };
}

// As a thread of its own (local/threads/thread-entry.mjs): the callers do not compete with the
// system under test for its event loop, as curl or a real client would not.
if (!isMainThread && parentPort && (workerData as { load?: LoadOptions }).load) {
  const port = parentPort;
  void sendLoad((workerData as { load: LoadOptions }).load).then((result) => port.postMessage(result));
}
