import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { deserializeError, type FromThread, type ServiceThreadData, type ToThread } from './protocol';
import type { ServiceCalls, ServiceEvent, ServiceInfo, ServiceName, ServiceOptions } from './services';

export interface ServiceThread<N extends ServiceName> {
  readonly info: ServiceInfo<N>;
  /** Calls one of the service's functions in its thread. */
  call<M extends keyof ServiceCalls<N> & string>(
    method: M,
    ...args: Parameters<CallOf<N, M>>
  ): Promise<Awaited<ReturnType<CallOf<N, M>>>>;
  /** Stops the service, then the thread. Idempotent; resolves once the thread is gone. */
  stop(): Promise<void>;
}

export interface ServiceThreadHooks<N extends ServiceName> {
  readonly onEvent?: (event: ServiceEvent<N>) => void;
  /** The thread died after it was ready (an uncaught error in the service). */
  readonly onCrash?: (error: Error) => void;
}

type CallOf<N extends ServiceName, M extends keyof ServiceCalls<N>> = ServiceCalls<N>[M] extends (
  ...args: never[]
) => unknown
  ? ServiceCalls<N>[M]
  : never;

const ENTRY = join(__dirname, 'thread-entry.mjs');
const HOST = join(__dirname, 'service-host.ts');

/**
 * Starts one of `services.ts` in a worker thread of this process and resolves once it is ready
 * (or rejects with the reason it could not start, a UserError still a UserError). A thread ends
 * with the process, so a killed local mode leaves nothing running behind it.
 *
 * The thread's environment is a copy of `process.env` now: set it before starting a thread
 * whose handlers read it. What the thread writes to stdout and stderr reaches this process's
 * stdout and stderr (and so local mode's handler log).
 */
export function startServiceThread<N extends ServiceName>(
  service: N,
  options: ServiceOptions<N>,
  hooks: ServiceThreadHooks<N> = {},
): Promise<ServiceThread<N>> {
  const data: ServiceThreadData = { host: HOST, service, options };
  const worker = new Worker(ENTRY, { workerData: data, env: { ...process.env } });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  return new Promise((resolve, reject) => {
    let ready = false;
    let stopping: Promise<void> | undefined;
    let stopped: (() => void) | undefined;
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
    let nextCallId = 0;
    const call = (method: string, ...args: unknown[]) =>
      new Promise((resolveCall, rejectCall) => {
        if (exited) return rejectCall(new Error(`the ${service} thread is gone`));
        const id = nextCallId++;
        pending.set(id, { resolve: resolveCall, reject: rejectCall });
        worker.postMessage({ type: 'call', id, method, args } satisfies ToThread);
      });
    let crashed = false;
    const crash = (error: Error) => {
      if (crashed || stopping) return;
      crashed = true;
      hooks.onCrash?.(error);
    };
    const stop = () => {
      stopping ??= (async () => {
        if (!exited) {
          await new Promise<void>((resolveStop) => {
            stopped = resolveStop;
            worker.postMessage({ type: 'stop' } satisfies ToThread);
            void exit.then(resolveStop);
          });
          await worker.terminate();
        }
        await exit;
      })();
      return stopping;
    };

    worker.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'ready':
          ready = true;
          resolve({ info: message.info as ServiceInfo<N>, stop, call } as ServiceThread<N>);
          return;
        case 'event':
          hooks.onEvent?.(message.event as ServiceEvent<N>);
          return;
        case 'result':
          pending.get(message.id)?.resolve(message.value);
          pending.delete(message.id);
          return;
        case 'call-failed':
          pending.get(message.id)?.reject(deserializeError(message.error));
          pending.delete(message.id);
          return;
        case 'stopped':
          stopped?.();
          return;
        case 'failed': {
          const error = deserializeError(message.error);
          if (!ready) {
            void worker.terminate();
            reject(error);
          } else {
            // A failed stop: reported, and the thread is terminated anyway.
            if (stopping) hooks.onCrash?.(error);
            stopped?.();
          }
          return;
        }
      }
    });
    worker.on('error', (error) => {
      if (!ready) reject(error);
      else crash(error);
    });
    void exit.then(() => {
      for (const { reject: rejectCall } of pending.values())
        rejectCall(new Error(`the ${service} thread is gone`));
      pending.clear();
      if (!ready) reject(new Error(`the ${service} thread exited before it was ready`));
      else crash(new Error(`the ${service} thread exited`));
    });
  });
}
