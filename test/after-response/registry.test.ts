import { AfterResponse } from '../../lambda/after-response/registry';

function held<T = void>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const later = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const farDeadline = () => Date.now() + 10_000;

describe('AfterResponse', () => {
  it('is inactive until something that keeps the process running activates it', () => {
    const registry = new AfterResponse();
    expect(registry.active).toBe(false);
    registry.activate('long-lived-process');
    expect(registry.active).toBe(true);
    expect(registry.keptBy).toBe('long-lived-process');
  });

  it('drains only once the handler has returned and every deferred piece of work settled', async () => {
    const registry = new AfterResponse();
    const send = held();
    let outcome: string | undefined;
    void registry.drained(1, farDeadline()).then((o) => {
      outcome = o;
    });

    registry.defer(send.promise);
    await later();
    expect(outcome).toBeUndefined(); // handler still running

    registry.handlerEnded();
    await later();
    expect(outcome).toBeUndefined(); // answered, send in flight

    send.resolve();
    await later();
    expect(outcome).toBe('drained');
  });

  it('waits for work deferred while it was already waiting', async () => {
    const registry = new AfterResponse();
    const first = held();
    const second = held();
    registry.defer(first.promise);
    registry.handlerEnded();
    const drained = registry.drained(1, farDeadline());

    registry.defer(second.promise);
    first.resolve();
    await later();
    expect(registry.pendingCount).toBe(1);

    second.resolve();
    await expect(drained).resolves.toBe('drained');
  });

  it('gives up at the deadline rather than holding the environment past it', async () => {
    const registry = new AfterResponse();
    registry.defer(new Promise(() => undefined));
    registry.handlerEnded();

    const started = Date.now();
    await expect(registry.drained(1, Date.now() + 50)).resolves.toBe('deadline');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await expect(registry.drained(1, Date.now() - 1)).resolves.toBe('deadline');
  });

  it('swallows a rejection of deferred work: it is counted by its owner, never unhandled', async () => {
    const registry = new AfterResponse();
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const send = held();
      registry.defer(send.promise);
      send.reject(new Error('queue down'));
      await registry.idle();
      await later(20);
      expect(registry.pendingCount).toBe(0);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('counts invocations: a second invocation drains only after its own handler returned', async () => {
    const registry = new AfterResponse();
    registry.handlerEnded();
    await expect(registry.drained(1, farDeadline())).resolves.toBe('drained');

    let second: string | undefined;
    void registry.drained(2, farDeadline()).then((o) => {
      second = o;
    });
    await later();
    expect(second).toBeUndefined();
    registry.handlerEnded();
    await later();
    expect(second).toBe('drained');
  });
});
