import { createHash } from 'node:crypto';
import { isNoiseBaselineSampled } from '../core/bucketing';
import { decodeAnswer } from '../core/comparators';
import type { LabelReader } from '../core/comparators/predicted-label';
import type { Comparator, ComparisonResult } from '../core/comparators/types';
import {
  boundedResult,
  type CandidateComparison,
  type ComparisonRecord,
  expiresAtFor,
  type StoredInput,
  truncateUtf8,
} from '../core/comparison-record';
import { recordLines } from '../core/evidence/record-lines';
import { MetricName } from '../core/metric-names';
import type { ModelResult } from '../core/model-result';
import type { ShadowMessage } from '../core/shadow-message';
import { appendEvidence } from './append-evidence';
import { countJoinedOutcome } from './joined-outcome';
import type { ComparisonRecords } from './ports/comparison-records';
import type { EvidenceLog } from './ports/evidence';
import type { MetricsPort } from './ports/metrics';
import type { InvokeModel } from './ports/models';

export interface CompareShadowOptions {
  readonly captureInput: boolean;
  readonly maxStoredBodyBytes: number;
  readonly recordTtlDays: number;
  /** Share (0..1) of messages for which production is invoked again and compared with itself. */
  readonly noiseBaselineRate: number;
  /** The candidate call's timeout, recorded so a failed call counts at least as the timeout. */
  readonly candidateTimeoutMs: number;
}

export interface CompareShadowPorts {
  readonly invokeModel: InvokeModel;
  readonly store: Pick<ComparisonRecords, 'isCompared' | 'saveComparison' | 'get'>;
  /** The append-only evidence log the report is computed from. */
  readonly evidenceLog: EvidenceLog;
  readonly comparator: Comparator;
  /** Reads predicted labels, for label accuracy when an outcome was joined first. */
  readonly labelOf: LabelReader;
  readonly metrics: MetricsPort;
  readonly now: () => Date;
}

/** A candidate pushed back: the message is retried later instead of recording a false error. */
export class CandidateThrottledError extends Error {
  override readonly name = 'CandidateThrottledError';
}

export type CompareOutcome = 'compared' | 'duplicate';

/**
 * Replays one shadow-sampled request against the candidates and stores the comparison.
 * 1. If this request id already has a comparison (a redelivery), stop: no second candidate call.
 * 2. Invoke every candidate concurrently with the original request (and, for a sample,
 *    production again: its self-disagreement is the noise baseline).
 * 3. If a candidate throttled, throw so SQS redelivers the message later (back-pressure).
 * 4. Compare each answering candidate with production (failures are recorded, not compared;
 *    a candidate's client error on the replayed input is recorded as such and left out of the
 *    candidate's evidence, like the caller's own mistake).
 * 5. Write the record once; losing a race to a concurrent delivery counts as a duplicate.
 *    If an outcome was posted first, it is joined now and counted for the served variant.
 * 6. Append the stored record's lines to the evidence log. A duplicate delivery appends them
 *    again (from the stored item, so the same lines): the delivery that wrote the item may have
 *    stopped before its append. A failed append throws, failing this message so it is
 *    redelivered; analysis deduplicates, so a record in DynamoDB is in the log once any delivery
 *    of it succeeds.
 */
export async function compareShadow(
  message: ShadowMessage,
  options: CompareShadowOptions,
  ports: CompareShadowPorts,
): Promise<CompareOutcome> {
  if (await ports.store.isCompared(message.requestId)) return duplicateDelivery(message.requestId, ports);

  const measureNoise =
    message.candidates.length > 0 &&
    message.served.status === 'ok' &&
    isNoiseBaselineSampled(message.requestId, options.noiseBaselineRate);
  const [results, rerun] = await Promise.all([
    Promise.all(message.candidates.map((endpoint) => ports.invokeModel(endpoint, message.request))),
    measureNoise ? ports.invokeModel(message.served.endpoint, message.request) : undefined,
  ]);

  for (const result of results) {
    ports.metrics.count(MetricName.CandidateInvocations);
    // A refused input is the request's fault, not the candidate's: out of its error rate and
    // latency, as a production client error is out of production's.
    if (result.status === 'client_error') {
      ports.metrics.count(MetricName.CandidateClientErrors);
      continue;
    }
    ports.metrics.count(MetricName.CandidateErrors, result.status === 'error' ? 1 : 0);
    // Every call, failed ones too, as ProductionLatency: the p99-increase alarm compares like with like.
    ports.metrics.milliseconds(MetricName.CandidateLatency, result.latencyMs);
  }
  const throttled = results.filter((r) => r.error?.code === 'throttled');
  if (throttled.length > 0) {
    ports.metrics.count(MetricName.CandidateThrottled, throttled.length);
    throw new CandidateThrottledError(`candidate throttled: ${throttled.map((r) => r.endpoint).join(', ')}`);
  }

  const candidates = results.map((result) =>
    candidateComparison(message.served, result, options, ports.comparator),
  );
  for (const c of candidates) {
    if (c.comparison) ports.metrics.ratio(MetricName.Agreement, c.comparison.agree ? 1 : 0);
  }

  const noiseBaseline =
    rerun && withoutAnswer(candidateComparison(message.served, rerun, options, ports.comparator));
  if (noiseBaseline?.comparison)
    ports.metrics.ratio(MetricName.NoiseBaselineAgreement, noiseBaseline.comparison.agree ? 1 : 0);

  const record: ComparisonRecord = {
    requestId: message.requestId,
    receivedAt: message.receivedAt,
    comparedAt: ports.now().toISOString(),
    servedVariant: message.servedVariant,
    ...(message.experiment === undefined ? {} : { experiment: message.experiment }),
    shadowSampled: message.shadowSampled ?? message.candidates.length > 0,
    ...(message.servedTimeoutMs === undefined ? {} : { servedTimeoutMs: message.servedTimeoutMs }),
    candidateTimeoutMs: options.candidateTimeoutMs,
    userKey: message.userKey,
    input: storedInput(message.request, options),
    served: boundedResult(message.served, options.maxStoredBodyBytes),
    candidates,
    ...(noiseBaseline ? { noiseBaseline } : {}),
    expiresAt: expiresAtFor(message.receivedAt, options.recordTtlDays),
  };
  const saved = await ports.store.saveComparison(record);
  if (saved.saved === 'duplicate') return duplicateDelivery(message.requestId, ports);
  // A record without a replay (canary-served, or kept while a canary runs) joins outcomes only.
  if (message.candidates.length > 0) ports.metrics.count(MetricName.Compared);
  if (saved.joinedOutcome) countJoinedOutcome(ports.metrics, record, saved.joinedOutcome, ports.labelOf);
  await appendEvidence(
    ports,
    recordLines(record, ports.labelOf).map((line) => ({ kind: 'record', line })),
  );
  return 'compared';
}

/** Another delivery wrote the record: append what it stored, in case it stopped before appending. */
async function duplicateDelivery(requestId: string, ports: CompareShadowPorts): Promise<CompareOutcome> {
  ports.metrics.count(MetricName.DuplicateDeliveries);
  const stored = await ports.store.get(requestId);
  if (stored !== undefined)
    await appendEvidence(
      ports,
      recordLines(stored, ports.labelOf).map((line) => ({ kind: 'record', line })),
    );
  return 'duplicate';
}

function candidateComparison(
  production: ModelResult,
  candidate: ModelResult,
  options: CompareShadowOptions,
  comparator: Comparator,
): CandidateComparison {
  const result = boundedResult(candidate, options.maxStoredBodyBytes);
  const comparison = compareAnswers(production, candidate, comparator);
  return comparison === undefined
    ? { endpoint: candidate.endpoint, result }
    : { endpoint: candidate.endpoint, result, comparison };
}

/**
 * The noise baseline keeps its comparison, latency and status, not production's answer a second
 * time: that is already in the record, and the copy pushed such records past one write unit.
 */
function withoutAnswer(baseline: CandidateComparison): CandidateComparison {
  const {
    body: _body,
    contentType: _type,
    encoding: _encoding,
    variant: _variant,
    bodyTruncated: _cut,
    ...result
  } = baseline.result;
  return { ...baseline, result };
}

function compareAnswers(
  production: ModelResult,
  candidate: ModelResult,
  comparator: Comparator,
): ComparisonResult | undefined {
  if (production.status !== 'ok' || candidate.status !== 'ok') return undefined;
  const answer = (r: ModelResult) =>
    decodeAnswer(r.contentType ?? 'application/octet-stream', r.body ?? '', r.encoding ?? 'utf8');
  return comparator(answer(production), answer(candidate));
}

function storedInput(request: ShadowMessage['request'], options: CompareShadowOptions): StoredInput {
  const bytes = Buffer.from(request.body, request.encoding);
  const base = {
    contentType: request.contentType,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  if (!options.captureInput) return base;
  const body = truncateUtf8(request.body, options.maxStoredBodyBytes);
  return {
    ...base,
    body,
    encoding: request.encoding,
    ...(body.length < request.body.length ? { truncated: true } : {}),
  };
}
