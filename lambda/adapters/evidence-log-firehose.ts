import { type _Record, type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { EvidenceLine, EvidenceLog } from '../use-cases/ports/evidence';

/** PutRecordBatch's limits: records and bytes per call, bytes per record (before base64). */
export const FIREHOSE_LIMITS = {
  recordsPerCall: 500,
  bytesPerCall: 4 * 1024 * 1024,
  bytesPerRecord: 1000 * 1024,
} as const;

export interface FirehoseEvidenceLogOptions {
  /** The stream this function appends to (one relation: the worker's records, outcomes' posts). */
  readonly streamName: string;
  /** Which kind of line the stream takes; a line of the other kind is a wiring mistake. */
  readonly kind: EvidenceLine['kind'];
  /**
   * Calls per batch in all, the first included, before the failed records are given up.
   * @default 4
   */
  readonly attempts?: number;
  /** Wait before the first retry of failed records, doubled each time (full jitter). @default 100 */
  readonly firstDelayMs?: number;
  /** Longest wait between two attempts. @default 2000 */
  readonly maxDelayMs?: number;
  /** Called before each retry with the number of records retried (a metric). */
  readonly onRetry?: (failedRecords: number) => void;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the jitter. @default Math.random */
  readonly random?: () => number;
}

/** Lines Firehose did not accept after every attempt (or could never accept). */
export class EvidenceDeliveryError extends Error {
  override readonly name = 'EvidenceDeliveryError';
  constructor(
    message: string,
    /** Error codes Firehose gave for the records still failing, with their counts. */
    readonly errorCodes: Readonly<Record<string, number>> = {},
  ) {
    super(message);
  }
}

/**
 * The evidence log on AWS: appends JSON lines to an Amazon Data Firehose delivery stream with
 * `PutRecordBatch`, one line per record, each ending with a newline (Firehose concatenates
 * records into objects as they are). Batches stay within the call's limits (500 records, 4 MiB).
 *
 * `PutRecordBatch` is not atomic: some records of a call may fail (throttling, internal errors)
 * while the others are accepted. Only the failed ones are sent again, with exponential backoff
 * and full jitter, for a bounded number of attempts; then `append` rejects so the caller fails
 * its message (or answers 503) and the whole append is retried. Lines accepted twice are
 * harmless: analysis deduplicates.
 */
export class FirehoseEvidenceLog implements EvidenceLog {
  private readonly attempts: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: FirehoseClient,
    private readonly options: FirehoseEvidenceLogOptions,
  ) {
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.firstDelayMs = options.firstDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async append(lines: readonly EvidenceLine[]): Promise<void> {
    if (lines.length === 0) return;
    const records = lines.map((entry) => {
      if (entry.kind !== this.options.kind) {
        throw new EvidenceDeliveryError(
          `stream ${this.options.streamName} takes ${this.options.kind} lines, not ${entry.kind} lines`,
        );
      }
      const data = Buffer.from(`${JSON.stringify(entry.line)}\n`, 'utf8');
      if (data.byteLength > FIREHOSE_LIMITS.bytesPerRecord) {
        throw new EvidenceDeliveryError(
          `an evidence line of ${data.byteLength} bytes exceeds Firehose's ${FIREHOSE_LIMITS.bytesPerRecord}-byte record limit`,
        );
      }
      return data;
    });
    // Batches one after the other: a failure stops before the rest, which the retry appends.
    for (const batch of batches(records)) await this.putWithRetries(batch);
  }

  private async putWithRetries(batch: readonly Uint8Array[]): Promise<void> {
    let pending: readonly Uint8Array[] = batch;
    let lastCodes: Record<string, number> = {};
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) {
        this.options.onRetry?.(pending.length);
        await this.sleep(this.backoffMs(attempt - 1));
      }
      const response = await this.client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: this.options.streamName,
          Records: pending.map((Data): _Record => ({ Data })),
        }),
      );
      if (!response.FailedPutCount) return;
      const results = response.RequestResponses ?? [];
      lastCodes = {};
      const failed: Uint8Array[] = [];
      pending.forEach((record, index) => {
        const result = results[index];
        // A missing entry is not an acknowledgement: send that record again too.
        if (result === undefined || result.ErrorCode !== undefined || result.RecordId === undefined) {
          failed.push(record);
          const code = result?.ErrorCode ?? 'NoResponse';
          lastCodes[code] = (lastCodes[code] ?? 0) + 1;
        }
      });
      if (failed.length === 0) return;
      pending = failed;
    }
    throw new EvidenceDeliveryError(
      `${pending.length} of ${batch.length} evidence lines not accepted by ${this.options.streamName} after ${this.attempts} attempts`,
      lastCodes,
    );
  }

  /** Full jitter: uniform in [0, min(max, first × 2^(retry−1))]. */
  private backoffMs(retry: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** (retry - 1));
    return Math.round(this.random() * ceiling);
  }
}

/** Splits records into calls of at most 500 records and 4 MiB, keeping their order. */
export function batches(records: readonly Uint8Array[]): Uint8Array[][] {
  const result: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const record of records) {
    if (
      current.length === FIREHOSE_LIMITS.recordsPerCall ||
      (current.length > 0 && bytes + record.byteLength > FIREHOSE_LIMITS.bytesPerCall)
    ) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.byteLength;
  }
  if (current.length > 0) result.push(current);
  return result;
}
