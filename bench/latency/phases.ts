import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface PhaseTimer {
  /** Starts a new request's accounting (calls must be sequential: concurrency 1). */
  begin(): void;
  /** Time spent in each SDK's `send` since `begin`. */
  current(): { modelMs: number; queueMs: number };
  restore(): void;
}

/**
 * Times the router's two network calls from outside, by wrapping the SDK clients' `send`
 * (shared by every client instance), so a handler's time splits into the model call, the
 * shadow dispatch and the rest (its own work). The wrapper costs two clock reads per call.
 */
export function timeSdkCalls(): PhaseTimer {
  let modelMs = 0;
  let queueMs = 0;
  const wrap = <T extends { send: (...args: never[]) => Promise<unknown> }>(
    proto: T,
    add: (ms: number) => void,
  ): (() => void) => {
    const original = proto.send;
    proto.send = async function (this: unknown, ...args: never[]) {
      const started = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        add(performance.now() - started);
      }
    } as T['send'];
    return () => {
      proto.send = original;
    };
  };
  const restores = [
    wrap(SageMakerRuntimeClient.prototype as never, (ms) => {
      modelMs += ms;
    }),
    wrap(SQSClient.prototype as never, (ms) => {
      queueMs += ms;
    }),
  ];
  return {
    begin() {
      modelMs = 0;
      queueMs = 0;
    },
    current: () => ({ modelMs, queueMs }),
    restore: () => {
      for (const restore of restores) restore();
    },
  };
}
