/**
 * Work that may finish after the caller has its answer, and the one guarantee that makes that
 * safe: something keeps the process running until the work is done.
 *
 * On Lambda the environment is frozen once the runtime and every extension have asked for the
 * next event, so work still running after the handler returns is paused until some later
 * invocation thaws it (and lost if the environment is never thawed). An internal extension
 * (see lambda-extension.ts) delays its own `next` until `drained()` resolves, which keeps the
 * environment running after the response was sent: the documented "run code after returning a
 * response" pattern. In local mode the process never freezes.
 *
 * Until `activate()` is called, `active` is false and callers must await their work before
 * answering, as if this module did not exist. Lambda runs one invocation at a time per
 * environment, so one registry per process is what the extension waits on.
 */
export type Keeper = 'lambda-extension' | 'long-lived-process';

export class AfterResponse {
  private readonly pending = new Set<Promise<void>>();
  private keeper: Keeper | undefined;
  private ended = 0;
  private wake: (() => void)[] = [];

  /** Whether deferred work is guaranteed to run to completion after the answer. */
  get active(): boolean {
    return this.keeper !== undefined;
  }

  /** What keeps the process running after the answer, if anything. */
  get keptBy(): Keeper | undefined {
    return this.keeper;
  }

  activate(keeper: Keeper): void {
    this.keeper = keeper;
  }

  /**
   * Tracks `work` until it settles. It must not reject (its failures are its own to count);
   * a rejection is swallowed here so it can never become an unhandled rejection.
   */
  defer(work: Promise<unknown>): void {
    const tracked: Promise<void> = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(tracked);
    void tracked.then(() => {
      this.pending.delete(tracked);
      this.notify();
    });
  }

  /** Called when a handler has returned: its answer is on the way to the caller. */
  handlerEnded(): void {
    this.ended++;
    this.notify();
  }

  /** Handlers that returned in this process so far. */
  get handlersEnded(): number {
    return this.ended;
  }

  /** Deferred work not yet settled. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Resolves once `handlers` handlers have returned in this process and no deferred work is
   * pending, or at `deadline` (epoch ms) at the latest: an environment held past the
   * invocation's deadline would be timed out and reset by Lambda, so giving up is the better
   * failure. Work deferred while waiting (by the same invocation) is waited for too.
   */
  async drained(handlers: number, deadline: number): Promise<'drained' | 'deadline'> {
    const timeLeft = deadline - Date.now();
    if (timeLeft <= 0) return this.isDrained(handlers) ? 'drained' : 'deadline';
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeLeft);
    });
    try {
      while (!this.isDrained(handlers) && !timedOut) {
        await Promise.race([new Promise<void>((resolve) => this.wake.push(resolve)), expired]);
      }
      return this.isDrained(handlers) ? 'drained' : 'deadline';
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when nothing deferred is pending (local mode and benchmarks: no invocation count). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private isDrained(handlers: number): boolean {
    return this.ended >= handlers && this.pending.size === 0;
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = [];
    for (const resolve of waiting) resolve();
  }
}

/** The process-wide registry: the router defers to it, the extension (or local mode) drains it. */
export const afterResponse = new AfterResponse();
