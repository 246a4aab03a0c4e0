import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DispatchResult, DispatchShadow } from '../use-cases/ports/shadow-queue';

/**
 * Sends a shadow message within a time budget. It never throws: the caller's answer must not
 * depend on the queue. Past the budget the caller stops waiting but the send is NOT aborted:
 * aborting would count as lost a message that usually lands anyway, and would tear down the
 * keep-alive connection so the next dispatch pays a new handshake (measured in BENCHMARKS.md).
 * The SQS client's own request timeout bounds how long a late send can linger.
 */
export function shadowDispatcher(sqs: SQSClient, queueUrl: string, budgetMs: number): DispatchShadow {
  return async (message) => {
    // Through a promise chain: even a synchronous throw from the client becomes a counted failure.
    const command = new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) });
    const send = Promise.resolve().then(() => sqs.send(command));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<DispatchResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            outcome: 'late',
            landed: send.then(
              () => true,
              () => false,
            ),
          }),
        budgetMs,
      );
    });
    try {
      return await Promise.race([send.then((): DispatchResult => ({ outcome: 'dispatched' })), late]);
    } catch (error) {
      return { outcome: 'failed', reason: 'error', errorName: (error as { name?: string })?.name ?? 'Error' };
    } finally {
      clearTimeout(timer);
      // A late send that fails afterwards reports through `landed`; never an unhandled rejection.
      send.catch(() => undefined);
    }
  };
}
