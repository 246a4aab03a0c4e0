import type { EvidenceLine, EvidenceLog } from '../use-cases/ports/evidence';

export interface RetryOptions {
  /** Attempts in all, the first included. @default 3 */
  readonly attempts?: number;
  /** Wait before the first retry, doubled each time. @default 50 */
  readonly firstDelayMs?: number;
  /** Called before each retry (a metric). */
  readonly onRetry?: (error: unknown) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * An evidence log that retries a failed append a few times before giving up. Appending again is
 * safe: the log is read with deduplication, so a line written twice counts once.
 */
export function retryingEvidenceLog(log: EvidenceLog, options: RetryOptions = {}): EvidenceLog {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async append(lines: readonly EvidenceLine[]): Promise<void> {
      let delay = options.firstDelayMs ?? 50;
      for (let attempt = 1; ; attempt++) {
        try {
          return await log.append(lines);
        } catch (error) {
          if (attempt >= attempts) throw error;
          options.onRetry?.(error);
          await sleep(delay);
          delay *= 2;
        }
      }
    },
  };
}
