import { UserError } from '../../lambda/core/errors';

/** Messages between a service thread and the thread that started it. */
export type ToThread =
  | { readonly type: 'stop' }
  | {
      readonly type: 'call';
      readonly id: number;
      readonly method: string;
      readonly args: readonly unknown[];
    };

export type FromThread =
  | { readonly type: 'ready'; readonly info: unknown }
  | { readonly type: 'failed'; readonly error: SerializedError }
  | { readonly type: 'event'; readonly event: unknown }
  | { readonly type: 'stopped' }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'call-failed'; readonly id: number; readonly error: SerializedError };

/** An error that crossed a thread boundary: its class is gone, what a person needs is kept. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** A UserError (one line of cause and remedy), to be reported as such. */
  readonly userError: boolean;
  readonly stack?: string;
}

export interface ServiceThreadData {
  /** Absolute path of service-host.ts, which the entry file imports. */
  readonly host: string;
  readonly service: string;
  readonly options: unknown;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), userError: false };
  return {
    name: error.name,
    message: error.message,
    userError: error instanceof UserError,
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

/** The error again, on this side: a UserError stays one, anything else keeps its name and stack. */
export function deserializeError(error: SerializedError): Error {
  if (error.userError) return new UserError(error.message);
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  return revived;
}
