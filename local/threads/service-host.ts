import { parentPort, workerData } from 'node:worker_threads';
import { type FromThread, type ServiceThreadData, serializeError, type ToThread } from './protocol';
import { type RunningService, threadServices } from './services';

/**
 * Runs one service of `services.ts` in this worker thread: starts it with the options it was
 * given, reports ready (or why not), forwards its events, and stops it when asked.
 */
async function host(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('service-host runs only in a worker thread');
  const { service, options } = workerData as ServiceThreadData;
  const post = (message: FromThread) => port.postMessage(message);
  const start = threadServices[service as keyof typeof threadServices] as
    | ((options: unknown, emit: (event: unknown) => void) => Promise<RunningService<unknown, object>>)
    | undefined;
  if (!start) {
    post({ type: 'failed', error: serializeError(new Error(`no thread service "${service}"`)) });
    return;
  }
  let running: RunningService<unknown, object>;
  try {
    running = await start(options, (event) => post({ type: 'event', event }));
  } catch (error) {
    post({ type: 'failed', error: serializeError(error) });
    return;
  }
  port.on('message', (message: ToThread) => {
    if (message.type === 'stop') {
      running.stop().then(
        () => post({ type: 'stopped' }),
        (error: unknown) => post({ type: 'failed', error: serializeError(error) }),
      );
      return;
    }
    const { id, method, args } = message;
    const call = (
      running.calls as Record<string, ((...args: unknown[]) => unknown) | undefined> | undefined
    )?.[method];
    Promise.resolve()
      .then(() => {
        if (!call) throw new Error(`the ${service} service has no call "${method}"`);
        return call(...args);
      })
      .then(
        (value) => post({ type: 'result', id, value }),
        (error: unknown) => post({ type: 'call-failed', id, error: serializeError(error) }),
      );
  });
  post({ type: 'ready', info: running.info });
}

void host();
