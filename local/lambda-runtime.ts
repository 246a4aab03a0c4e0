import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './local-aws';

/** The parts of a deployed function that shape how it is invoked. */
export interface LocalFunction {
  readonly name: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly region: string;
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
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
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
