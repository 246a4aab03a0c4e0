import { strongReadUnits, writeUnits } from './item-size';
import { PRICES, type PriceName } from './prices';

/** Everything the estimate depends on; `npm run cost` fills it from the stage config and flags. */
export interface CostInput {
  readonly requests: number;
  /** Share of requests replayed in shadow. */
  readonly sampleRate: number;
  /** Share of requests for which the team posts an outcome (`POST /outcomes`). */
  readonly outcomeRate: number;
  readonly routerMemoryMb: number;
  readonly workerMemoryMb: number;
  readonly outcomesMemoryMb: number;
  /** Router duration of a request that is not sampled (model call + own work), ms. */
  readonly routerMs: number;
  /** Added to a sampled request's router duration by the SendMessage, ms. */
  readonly dispatchMs: number;
  /** Worker duration per batch (records are processed in parallel), ms. */
  readonly workerBatchMs: number;
  readonly outcomesMs: number;
  /** Messages per worker invocation (the batch size when traffic fills batches). */
  readonly messagesPerBatch: number;
  readonly messageBytes: number;
  /** Comparison item as written by the worker, and after an outcome is joined. */
  readonly recordBytes: number;
  readonly recordWithOutcomeBytes: number;
  /** Share of comparisons that also store production compared with itself (noise baseline). */
  readonly noiseBaselineShare: number;
  /** A comparison item that carries the noise baseline. */
  readonly recordWithBaselineBytes: number;
  /** An outcome posted for a request that was not sampled creates an item of its own. */
  readonly outcomeOnlyBytes: number;
  readonly ttlDays: number;
  readonly pointInTimeRecovery: boolean;
  /** The byTime index projects every attribute (ProjectionType ALL): each write is written twice. */
  readonly gsiProjectsAll: boolean;
  readonly logBytesPerRouterRequest: number;
  readonly logBytesPerInvocationPlatform: number;
  readonly xraySampleRate: number;
}

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly price: PriceName;
  readonly usd: number;
}

export interface CostEstimate {
  readonly lines: CostLine[];
  /** Lines the issue asks for (API Gateway, Lambda, SQS, DynamoDB). */
  readonly coreUsd: number;
  /** Logs and traces: billed too, but estimated more loosely. */
  readonly observabilityUsd: number;
  readonly totalUsd: number;
  readonly perMillionRequestsUsd: number;
  readonly derived: {
    readonly sampled: number;
    readonly workerInvocations: number;
    readonly sqsRequestsPerSample: number;
    readonly wruPerComparison: number;
    readonly storedGbMonths: number;
  };
}

const KB64 = 64 * 1024;
const GB = 1024 ** 3;
/** Average month, for turning a TTL in days into storage months. */
const DAYS_PER_MONTH = 365.25 / 12;
/** DynamoDB bills 100 bytes of indexing overhead per item, in the table and in each GSI. */
const ITEM_OVERHEAD_BYTES = 100;

/** Cost of `requests` requests; storage is the GB-months the records occupy over their TTL. */
export function estimateCost(input: CostInput): CostEstimate {
  const sampled = input.requests * input.sampleRate;
  const unsampled = input.requests - sampled;
  const outcomes = input.requests * input.outcomeRate;
  const sampledOutcomes = outcomes * input.sampleRate;
  const lines: CostLine[] = [];
  const line = (service: string, item: string, quantity: number, unit: string, price: PriceName) =>
    lines.push({ service, item, quantity, unit, price, usd: quantity * PRICES[price].usd });
  const gbSeconds = (invocations: number, memoryMb: number, ms: number) =>
    invocations * (memoryMb / 1024) * (Math.ceil(ms) / 1000);

  line('API Gateway', 'POST /predict', input.requests, 'requests', 'apiGatewayRestRequest');
  if (outcomes > 0) line('API Gateway', 'POST /outcomes', outcomes, 'requests', 'apiGatewayRestRequest');

  const workerInvocations = Math.ceil(sampled / input.messagesPerBatch);
  line('Lambda', 'router invocations', input.requests, 'requests', 'lambdaRequest');
  line(
    'Lambda',
    `router duration (${input.routerMemoryMb} MB, ${Math.ceil(input.routerMs)} ms, +${Math.ceil(input.routerMs + input.dispatchMs) - Math.ceil(input.routerMs)} ms when sampled)`,
    gbSeconds(unsampled, input.routerMemoryMb, input.routerMs) +
      gbSeconds(sampled, input.routerMemoryMb, input.routerMs + input.dispatchMs),
    'GB-s',
    'lambdaArmGbSecond',
  );
  line(
    'Lambda',
    `worker invocations (${input.messagesPerBatch} messages each)`,
    workerInvocations,
    'requests',
    'lambdaRequest',
  );
  line(
    'Lambda',
    `worker duration (${input.workerMemoryMb} MB, ${Math.ceil(input.workerBatchMs)} ms per batch)`,
    gbSeconds(workerInvocations, input.workerMemoryMb, input.workerBatchMs),
    'GB-s',
    'lambdaArmGbSecond',
  );
  if (outcomes > 0) {
    line('Lambda', 'outcomes invocations', outcomes, 'requests', 'lambdaRequest');
    line(
      'Lambda',
      `outcomes duration (${input.outcomesMemoryMb} MB, ${Math.ceil(input.outcomesMs)} ms)`,
      gbSeconds(outcomes, input.outcomesMemoryMb, input.outcomesMs),
      'GB-s',
      'lambdaArmGbSecond',
    );
  }

  const sends = sampled * Math.ceil(input.messageBytes / KB64);
  const receives = workerInvocations * Math.ceil((input.messagesPerBatch * input.messageBytes) / KB64);
  line('SQS', `SendMessage (${input.messageBytes} B message)`, sends, 'requests', 'sqsStandardRequest');
  line('SQS', 'ReceiveMessage (batched)', receives, 'requests', 'sqsStandardRequest');
  line('SQS', 'DeleteMessageBatch', workerInvocations, 'requests', 'sqsStandardRequest');

  const copies = input.gsiProjectsAll ? 2 : 1;
  const baseline = input.noiseBaselineShare;
  const wruPerComparison =
    ((1 - baseline) * writeUnits(input.recordBytes) + baseline * writeUnits(input.recordWithBaselineBytes)) *
    copies;
  const meanRecordBytes = (1 - baseline) * input.recordBytes + baseline * input.recordWithBaselineBytes;
  line(
    'DynamoDB',
    'duplicate check (GetItem, strongly consistent)',
    sampled * strongReadUnits(0),
    'RRU',
    'dynamoReadRequestUnit',
  );
  line(
    'DynamoDB',
    `comparison write (${input.recordBytes} B item${baseline > 0 ? `, ${input.recordWithBaselineBytes} B with noise baseline` : ''}${copies === 2 ? ', table + byTime index' : ''})`,
    sampled * wruPerComparison,
    'WRU',
    'dynamoWriteRequestUnit',
  );
  if (outcomes > 0) {
    // An update costs the larger of the item before and after; the index copy is updated too.
    const joined = writeUnits(Math.max(input.recordBytes, input.recordWithOutcomeBytes)) * copies;
    line(
      'DynamoDB',
      'outcome writes',
      sampledOutcomes * joined + (outcomes - sampledOutcomes) * writeUnits(input.outcomeOnlyBytes),
      'WRU',
      'dynamoWriteRequestUnit',
    );
  }
  // A joined outcome grows the item by the same bytes whatever else it holds.
  const outcomeGrowth = input.outcomeRate * (input.recordWithOutcomeBytes - input.recordBytes);
  const recordStoredBytes = (meanRecordBytes + outcomeGrowth + ITEM_OVERHEAD_BYTES) * copies;
  const months = input.ttlDays / DAYS_PER_MONTH;
  const storedGbMonths =
    ((sampled * recordStoredBytes +
      (outcomes - sampledOutcomes) * (input.outcomeOnlyBytes + ITEM_OVERHEAD_BYTES)) /
      GB) *
    months;
  line(
    'DynamoDB',
    `storage (${input.ttlDays}-day TTL${copies === 2 ? ', table + index' : ''})`,
    storedGbMonths,
    'GB-month',
    'dynamoStorageGbMonth',
  );
  if (input.pointInTimeRecovery) {
    const tableOnly = storedGbMonths / copies;
    line('DynamoDB', 'point-in-time recovery (table size)', tableOnly, 'GB-month', 'dynamoPitrGbMonth');
  }
  const coreUsd = lines.reduce((total, l) => total + l.usd, 0);

  const logGb =
    (input.requests * (input.logBytesPerRouterRequest + input.logBytesPerInvocationPlatform) +
      (workerInvocations + outcomes) * input.logBytesPerInvocationPlatform) /
    GB;
  line('CloudWatch', 'Logs ingestion (EMF + logs + platform records)', logGb, 'GB', 'cloudWatchLogsIngestGb');
  line(
    'X-Ray',
    `traces recorded (${(input.xraySampleRate * 100).toFixed(0)}% sampled)`,
    input.requests * input.xraySampleRate,
    'traces',
    'xrayTraceRecorded',
  );
  const totalUsd = lines.reduce((total, l) => total + l.usd, 0);

  return {
    lines,
    coreUsd,
    observabilityUsd: totalUsd - coreUsd,
    totalUsd,
    perMillionRequestsUsd: (totalUsd / input.requests) * 1e6,
    derived: {
      sampled,
      workerInvocations,
      sqsRequestsPerSample: sampled === 0 ? 0 : (sends + receives + workerInvocations) / sampled,
      wruPerComparison,
      storedGbMonths,
    },
  };
}
