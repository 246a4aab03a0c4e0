import { retryingEvidenceLog } from '../../lambda/adapters/evidence-log-retry';
import type { EvidenceLine, EvidenceLog } from '../../lambda/use-cases/ports/evidence';
import { recordLine } from '../support/evidence-lines';

const LINES: EvidenceLine[] = [{ kind: 'record', line: recordLine({ requestId: 'a' }) }];

/** A log that fails its first `failures` appends. */
function flakyLog(failures: number): EvidenceLog & { attempts: number } {
  const log = {
    attempts: 0,
    async append() {
      log.attempts += 1;
      if (log.attempts <= failures) throw new Error(`attempt ${log.attempts} failed`);
    },
  };
  return log;
}

describe('retryingEvidenceLog', () => {
  it('retries a failed append with doubling waits, reporting each retry, until it succeeds', async () => {
    // Arrange
    const inner = flakyLog(2);
    const waits: number[] = [];
    const retried: string[] = [];
    const log = retryingEvidenceLog(inner, {
      firstDelayMs: 10,
      sleep: async (ms) => {
        waits.push(ms);
      },
      onRetry: (error) => retried.push((error as Error).message),
    });
    // Act
    await log.append(LINES);
    // Assert
    expect(inner.attempts).toBe(3);
    expect(waits).toEqual([10, 20]);
    expect(retried).toEqual(['attempt 1 failed', 'attempt 2 failed']);
  });

  it('gives up after its attempts with the last error', async () => {
    const inner = flakyLog(10);
    const log = retryingEvidenceLog(inner, { attempts: 4, sleep: async () => undefined });
    await expect(log.append(LINES)).rejects.toThrow('attempt 4 failed');
    expect(inner.attempts).toBe(4);
  });

  it('appends once when the first attempt succeeds', async () => {
    const inner = flakyLog(0);
    const sleep = jest.fn(async () => undefined);
    await retryingEvidenceLog(inner, { sleep }).append(LINES);
    expect(inner.attempts).toBe(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('waits 50 ms, then 100 ms by default (real timers faked)', async () => {
    jest.useFakeTimers();
    try {
      const inner = flakyLog(2);
      const done = retryingEvidenceLog(inner).append(LINES);
      await jest.advanceTimersByTimeAsync(49);
      expect(inner.attempts).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(inner.attempts).toBe(2);
      await jest.advanceTimersByTimeAsync(100);
      await done;
      expect(inner.attempts).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
