import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { withDeadline } from '../core/deadline';
import type { ShadowMessage } from '../core/shadow-message';

export type DispatchResult =
  | { readonly outcome: 'dispatched' }
  | { readonly outcome: 'failed'; readonly reason: 'timeout' | 'error'; readonly errorName: string };

export type DispatchShadow = (message: ShadowMessage) => Promise<DispatchResult>;

/**
 * Sends a shadow message within a time budget. It never throws: the caller's answer must not
 * depend on the queue. Past the budget the send is aborted and counted as failed; the message
 * may still have been enqueued, which the worker's idempotent write makes harmless.
 */
export function shadowDispatcher(sqs: SQSClient, queueUrl: string, budgetMs: number): DispatchShadow {
  return async (message) => {
    try {
      const command = new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) });
      await withDeadline(budgetMs, (abortSignal) => sqs.send(command, { abortSignal }));
      return { outcome: 'dispatched' };
    } catch (error) {
      const errorName = (error as { name?: string })?.name ?? 'Error';
      const reason = errorName === 'AbortError' || errorName === 'TimeoutError' ? 'timeout' : 'error';
      return { outcome: 'failed', reason, errorName };
    }
  };
}
