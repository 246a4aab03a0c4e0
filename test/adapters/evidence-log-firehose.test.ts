import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import {
  batches,
  EvidenceDeliveryError,
  FIREHOSE_LIMITS,
  FirehoseEvidenceLog,
} from '../../lambda/adapters/evidence-log-firehose';
import type { EvidenceLine } from '../../lambda/use-cases/ports/evidence';
import { outcomeLine, recordLine } from '../support/evidence-lines';

const firehose = mockClient(FirehoseClient);
beforeEach(() => firehose.reset());

const STREAM = 'shadow-rollout-test-evidence-records';

const records = (n: number, extra: Partial<Parameters<typeof recordLine>[0]> = {}): EvidenceLine[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'record' as const,
    line: recordLine({ requestId: `req-${i}`, ...extra }),
  }));

/** A log whose waits are recorded, not slept: no test depends on a timer. */
function logWith(options: { attempts?: number; onRetry?: (n: number) => void } = {}) {
  const waits: number[] = [];
  const log = new FirehoseEvidenceLog(new FirehoseClient({}), {
    streamName: STREAM,
    kind: 'record',
    firstDelayMs: 100,
    maxDelayMs: 1000,
    // Half of each wait's ceiling: the jitter is uniform below the ceiling.
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { log, waits };
}

const sentInputs = (): PutRecordBatchCommandInput[] =>
  firehose.commandCalls(PutRecordBatchCommand).map((call) => call.args[0].input);

const decoded = (input: PutRecordBatchCommandInput): string[] =>
  (input.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8'));

const accepted = (n: number) => ({
  FailedPutCount: 0,
  RequestResponses: Array.from({ length: n }, (_, i) => ({ RecordId: `id-${i}` })),
});

describe('FirehoseEvidenceLog', () => {
  it('sends one JSON line per record, each ending with a newline, to its stream', async () => {
    // Arrange
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => accepted(input.Records?.length ?? 0));
    const { log } = logWith();
    const lines = records(3);

    // Act
    await log.append(lines);

    // Assert
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 1);
    expect(firehose).toHaveReceivedCommandWith(PutRecordBatchCommand, { DeliveryStreamName: STREAM });
    const [input] = sentInputs();
    if (input === undefined) throw new Error('nothing sent');
    const sent = decoded(input);
    expect(sent).toHaveLength(3);
    for (const [i, text] of sent.entries()) {
      expect(text.endsWith('\n')).toBe(true);
      expect(text.slice(0, -1)).not.toContain('\n');
      expect(JSON.parse(text)).toEqual(lines[i]?.line);
    }
  });

  it('does not call Firehose for nothing', async () => {
    const { log } = logWith();
    await log.append([]);
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 0);
  });

  it('retries only the records that failed, with growing backoff, until all are accepted', async () => {
    // Arrange: of 4 records, the 2nd and 4th fail once; then the (now 2nd) record fails again.
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 2,
        RequestResponses: [
          { RecordId: 'a' },
          { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
          { RecordId: 'c' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'internal' },
        ],
      })
      .resolvesOnce({
        FailedPutCount: 1,
        RequestResponses: [{ RecordId: 'b' }, { ErrorCode: 'ServiceUnavailableException' }],
      })
      .resolves(accepted(1));
    const retried: number[] = [];
    const { log, waits } = logWith({ onRetry: (n) => retried.push(n) });
    const lines = records(4);

    // Act
    await log.append(lines);

    // Assert
    const calls = sentInputs().map(decoded);
    const ids = (texts: string[]) => texts.map((t) => JSON.parse(t).requestId);
    expect(calls.map(ids)).toEqual([['req-0', 'req-1', 'req-2', 'req-3'], ['req-1', 'req-3'], ['req-3']]);
    expect(retried).toEqual([2, 1]);
    expect(waits).toEqual([50, 100]);
  });

  it('treats a record without a result as not accepted', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ RecordId: 'a' }] })
      .resolves(accepted(1));
    const { log } = logWith();
    await log.append(records(2));
    expect(sentInputs().map((input) => decoded(input).map((t) => JSON.parse(t).requestId))).toEqual([
      ['req-0', 'req-1'],
      ['req-1'],
    ]);
  });

  it('gives up after its attempts and rejects, naming the error codes, so the caller fails the item', async () => {
    // Arrange
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: 1,
      RequestResponses: (input.Records ?? []).map((_, i) =>
        i === 0 ? { ErrorCode: 'ServiceUnavailableException' } : { RecordId: `ok-${i}` },
      ),
    }));
    const { log, waits } = logWith({ attempts: 3 });

    // Act
    const appended = log.append(records(3));

    // Assert
    await expect(appended).rejects.toBeInstanceOf(EvidenceDeliveryError);
    await expect(appended).rejects.toMatchObject({
      message: expect.stringContaining('1 of 3 evidence lines not accepted'),
      errorCodes: { ServiceUnavailableException: 1 },
    });
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 3);
    expect(waits).toEqual([50, 100]);
  });

  it('caps the backoff', async () => {
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'ServiceUnavailableException' }],
    });
    const { log, waits } = logWith({ attempts: 6 });
    await expect(log.append(records(1))).rejects.toBeInstanceOf(EvidenceDeliveryError);
    expect(waits).toEqual([50, 100, 200, 400, 500]);
  });

  it('rejects when the call itself fails (after the SDK’s own retries)', async () => {
    firehose.on(PutRecordBatchCommand).rejects(new Error('ResourceNotFoundException'));
    const { log } = logWith();
    await expect(log.append(records(1))).rejects.toThrow('ResourceNotFoundException');
  });

  it('splits large appends into calls of at most 500 records and 4 MiB, in order', async () => {
    // Arrange: 1,200 small lines, then 10 lines of ~900 KiB.
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => accepted(input.Records?.length ?? 0));
    const { log } = logWith();
    const small = records(1200);
    const big = records(10, { reason: 'x'.repeat(900 * 1024) }).map((entry, i) => ({
      ...entry,
      line: { ...entry.line, requestId: `big-${i}` },
    })) as EvidenceLine[];

    // Act
    await log.append([...small, ...big]);

    // Assert
    const inputs = sentInputs();
    for (const input of inputs) {
      const sizes = (input.Records ?? []).map((r) => (r.Data as Uint8Array).byteLength);
      expect(sizes.length).toBeLessThanOrEqual(FIREHOSE_LIMITS.recordsPerCall);
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerCall);
    }
    const order = inputs.flatMap((input) => decoded(input).map((t) => JSON.parse(t).requestId));
    expect(order).toEqual([...small, ...big].map((entry) => entry.line.requestId));
    // The last small lines share a call with the first big ones: only the limits split calls.
    expect(inputs.map((input) => input.Records?.length)).toEqual([500, 500, 204, 4, 2]);
  });

  it('rejects a line larger than a Firehose record before sending anything', async () => {
    const { log } = logWith();
    const huge = records(1, { reason: 'x'.repeat(FIREHOSE_LIMITS.bytesPerRecord) });
    await expect(log.append([...records(2), ...huge])).rejects.toThrow(/exceeds Firehose's/);
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 0);
  });

  it('refuses lines of the other relation: an outcome must never land under records/', async () => {
    const { log } = logWith();
    const outcome: EvidenceLine = { kind: 'outcome', line: outcomeLine('r-1', Date.UTC(2026, 10, 30), {}) };
    await expect(log.append([outcome])).rejects.toThrow(/takes record lines, not outcome lines/);
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 0);
  });
});

describe('batches', () => {
  const of = (...sizes: number[]) => sizes.map((n) => new Uint8Array(n));

  it('keeps a call within both limits and never makes an empty call', () => {
    const mib = 1024 * 1024;
    expect(batches(of(mib, mib, mib, mib, 1)).map((b) => b.length)).toEqual([4, 1]);
    expect(batches(of(3 * mib, 2 * mib, 2 * mib)).map((b) => b.length)).toEqual([1, 2]);
    expect(batches([])).toEqual([]);
    expect(batches(of(...Array.from({ length: 1001 }, () => 10))).map((b) => b.length)).toEqual([
      500, 500, 1,
    ]);
  });
});
