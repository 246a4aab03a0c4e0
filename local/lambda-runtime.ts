import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './local-aws';

/** The parts of a deployed function that shape how it is invoked. */
export interface LocalFunction {
  readonly name: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly region: string;
  /**
   * Most invocations running at once; more wait for a free slot before their clock starts.
   * On AWS every concurrent invocation has its own environment and CPU; here they all share one
   * event loop, so hundreds at once would time each other out. @default no limit
   */
  readonly maxConcurrency?: number;
}

/** Invocations running and waiting, per function name. */
class ConcurrencyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async enter(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return;
    }
    // The slot is handed over by `leave`, so `running` stays counted for the waiter.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

const gates = new Map<string, ConcurrencyGate>();

function gateOf(fn: LocalFunction): ConcurrencyGate | undefined {
  if (fn.maxConcurrency === undefined) return undefined;
  let gate = gates.get(fn.name);
  if (!gate) {
    gate = new ConcurrencyGate(fn.maxConcurrency);
    gates.set(fn.name, gate);
  }
  return gate;
}

/**
 * Lambda names a log stream after the execution environment, not the invocation; locally each
 * function has one environment (this process), so one id per function.
 */
const environmentIds = new Map<string, string>();
function environmentIdOf(fn: LocalFunction): string {
  let id = environmentIds.get(fn.name);
  if (!id) {
    id = randomBytes(16).toString('hex');
    environmentIds.set(fn.name, id);
  }
  return id;
}

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export class FunctionTimeoutError extends Error {
  override readonly name = 'FunctionTimeoutError';
}

/** A Lambda context object as the Node.js runtime builds one. */
export function lambdaContext(fn: LocalFunction, deadline: number): Context {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${fn.region}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${environmentIdOf(fn)}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Invokes a handler the way Lambda does: with a fresh context and a deadline. A handler still
 * running at its timeout counts as failed; unlike Lambda we cannot freeze it, so its late
 * result is ignored.
 */
export async function invokeFunction<E, R>(
  fn: LocalFunction,
  handler: LambdaHandler<E, R>,
  event: E,
): Promise<R> {
  const gate = gateOf(fn);
  await gate?.enter();
  try {
    return await invokeNow(fn, handler, event);
  } finally {
    gate?.leave();
  }
}

async function invokeNow<E, R>(fn: LocalFunction, handler: LambdaHandler<E, R>, event: E): Promise<R> {
  const deadline = Date.now() + fn.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FunctionTimeoutError(`${fn.name} timed out after ${fn.timeoutMs} ms`)),
      fn.timeoutMs,
    );
  });
  try {
    return await Promise.race([
      Promise.resolve().then(() => handler(event, lambdaContext(fn, deadline))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
