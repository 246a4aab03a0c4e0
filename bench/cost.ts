/**
 * `npm run cost -- --stage prod --requests 1000000 --sample-rate 0.1`: the AWS cost of N
 * requests for a deployed stage, from lib/config/stages.ts, and the size of a typical
 * comparison record built by the real router → worker code path. Run with --help for the flags.
 */
import { parseArgs } from 'node:util';
import { STAGES, type Stage } from '../lib/config/stage-config';
import { stages } from '../lib/config/stages';
import { type CostEstimate, type CostInput, estimateCost } from './cost/estimate';
import { PRICE_DATE, PRICE_REGION, PRICES } from './cost/prices';
import { analyzeRecord, type RecordAnalysis } from './cost/record-analysis';
import { buildTypicalRecord } from './cost/typical-record';
import { table } from './markdown';

/**
 * Duration defaults, in ms. The model times are the benchmark's simulated ones; the rest are
 * stated assumptions for an in-region deployment (measure yours and pass them as flags).
 */
export const DURATION_DEFAULTS = {
  modelMs: 20,
  /** Router's own work: b−a at p50 is ~0.5 ms in BENCHMARKS.md; Lambda at 1 GB has less CPU than that machine. */
  routerOverheadMs: 2,
  /** An in-region SQS SendMessage over a warm connection (the emulator answers in ~2–3 ms here). */
  dispatchMs: 8,
  candidateMs: 40,
  /** One DynamoDB call from Lambda in-region; the worker makes two per record (GetItem, UpdateItem). */
  dynamodbMs: 8,
  workerOverheadMs: 5,
  outcomesMs: 15,
} as const;

/** Memory of the outcomes function (lib/constructs/outcome-recorder.ts). */
const OUTCOMES_MEMORY_MB = 256;
/** EMF + log bytes per router request, measured by `npm run bench` (shadow off / sampled). */
const ROUTER_LOG_BYTES = { unsampled: 350, sampledExtra: 125 } as const;
/** Lambda's START/END/REPORT platform records per invocation (JSON log format), an estimate. */
const PLATFORM_LOG_BYTES = 500;

const USAGE = `Usage: npm run cost -- [--stage dev|staging|prod] [--requests N] [--sample-rate R] [options]

  --stage S              deployed configuration to price (default prod)
  --requests N           requests to price (default 1000000)
  --sample-rate R        share replayed in shadow (default: the stage's shadow.sampleRate)
  --outcome-rate R       share of requests with a posted outcome (default 0)
  --model-ms MS          production model latency (default ${DURATION_DEFAULTS.modelMs})
  --router-overhead-ms   router's own work per request (default ${DURATION_DEFAULTS.routerOverheadMs})
  --dispatch-ms MS       SendMessage time added to a sampled request (default ${DURATION_DEFAULTS.dispatchMs})
  --candidate-ms MS      candidate model latency (default ${DURATION_DEFAULTS.candidateMs})
  --dynamodb-ms MS       one DynamoDB call (default ${DURATION_DEFAULTS.dynamodbMs})
  --worker-overhead-ms   worker's own work per batch (default ${DURATION_DEFAULTS.workerOverheadMs})
  --messages-per-batch N messages per worker invocation (default: the stage's batch size)
  --xray-sample R        share of requests X-Ray records (default 0.05, the default sampling rule at volume)
  --json                 print the estimate as JSON`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'prod' },
      requests: { type: 'string', default: '1000000' },
      'sample-rate': { type: 'string' },
      'outcome-rate': { type: 'string', default: '0' },
      'model-ms': { type: 'string' },
      'router-overhead-ms': { type: 'string' },
      'dispatch-ms': { type: 'string' },
      'candidate-ms': { type: 'string' },
      'dynamodb-ms': { type: 'string' },
      'worker-overhead-ms': { type: 'string' },
      'messages-per-batch': { type: 'string' },
      'xray-sample': { type: 'string', default: '0.05' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!(STAGES as readonly string[]).includes(values.stage))
    throw new UsageError(`unknown stage ${values.stage}`);
  const stage = stages[values.stage as Stage];
  const num = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new UsageError(`--${name} must be in [${min}, ${max}]`);
    return value;
  };
  const d = DURATION_DEFAULTS;
  const sampleRate = num('sample-rate', values['sample-rate'], stage.shadow.sampleRate, 0, 1);
  const candidateMs = num('candidate-ms', values['candidate-ms'], d.candidateMs, 0, 900_000);
  const dynamodbMs = num('dynamodb-ms', values['dynamodb-ms'], d.dynamodbMs, 0, 60_000);
  const workerOverheadMs = num(
    'worker-overhead-ms',
    values['worker-overhead-ms'],
    d.workerOverheadMs,
    0,
    60_000,
  );

  const typical = await buildTypicalRecord(stage);
  const record = analyzeRecord(typical.item, typical.itemWithOutcome);
  const withBaseline = await buildTypicalRecord(stage, { noiseBaseline: true });
  const baselineRecord = analyzeRecord(withBaseline.item, withBaseline.itemWithOutcome);
  const input: CostInput = {
    requests: num('requests', values.requests, 1e6, 1, 1e13),
    sampleRate,
    outcomeRate: num('outcome-rate', values['outcome-rate'], 0, 0, 1),
    routerMemoryMb: stage.router.memoryMb,
    workerMemoryMb: stage.worker.memoryMb,
    outcomesMemoryMb: OUTCOMES_MEMORY_MB,
    routerMs:
      num('model-ms', values['model-ms'], d.modelMs, 0, 60_000) +
      num('router-overhead-ms', values['router-overhead-ms'], d.routerOverheadMs, 0, 60_000),
    dispatchMs: num('dispatch-ms', values['dispatch-ms'], d.dispatchMs, 0, 60_000),
    // Records of a batch are processed in parallel (Powertools BatchProcessor's default).
    workerBatchMs: workerOverheadMs + candidateMs + 2 * dynamodbMs,
    outcomesMs: d.outcomesMs,
    messagesPerBatch: num('messages-per-batch', values['messages-per-batch'], stage.worker.batchSize, 1, 10),
    messageBytes: typical.messageBytes,
    recordBytes: record.bytes,
    recordWithOutcomeBytes: record.bytesWithOutcome,
    noiseBaselineShare: stage.shadow.noiseBaselineRate,
    recordWithBaselineBytes: baselineRecord.bytes,
    outcomeOnlyBytes: record.bytesWithOutcome - record.bytes + OUTCOME_ONLY_KEY_BYTES,
    ttlDays: stage.shadow.recordTtlDays,
    pointInTimeRecovery: stage.pointInTimeRecovery,
    // No index since reports read the evidence log (the byTime GSI is gone).
    gsiProjectsAll: false,
    logBytesPerRouterRequest: ROUTER_LOG_BYTES.unsampled + sampleRate * ROUTER_LOG_BYTES.sampledExtra,
    logBytesPerInvocationPlatform: PLATFORM_LOG_BYTES,
    xraySampleRate: num('xray-sample', values['xray-sample'], 0.05, 0, 1),
  };
  const estimate = estimateCost(input);
  if (values.json) {
    console.log(
      JSON.stringify({ region: PRICE_REGION, priceDate: PRICE_DATE, input, estimate, record }, null, 2),
    );
    return;
  }
  console.log(render(values.stage, input, estimate, record, baselineRecord));
}

/** requestId (36-char UUID) + expiresAt of an item that only holds an outcome. */
const OUTCOME_ONLY_KEY_BYTES = 'requestId'.length + 36 + 'expiresAt'.length + 6;

function usd(value: number): string {
  if (value === 0) return '$0';
  return value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

function quantity(value: number): string {
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(4)).toString();
}

function render(
  stageName: string,
  input: CostInput,
  estimate: CostEstimate,
  record: RecordAnalysis,
  baselineRecord: RecordAnalysis,
): string {
  const out: string[] = [];
  out.push(
    `# Cost of ${input.requests.toLocaleString('en-US')} requests — stage ${stageName}, sample rate ${input.sampleRate}`,
    '',
    `Region ${PRICE_REGION}; list prices compiled ${PRICE_DATE} (on-demand, first volume tier, free tiers ignored). Router ${input.routerMemoryMb} MB, worker ${input.workerMemoryMb} MB, arm64; ${input.messagesPerBatch} messages per worker batch; records kept ${input.ttlDays} days; PITR ${input.pointInTimeRecovery ? 'on' : 'off'}.`,
    '',
    table(
      ['service', 'item', 'quantity', 'unit', 'unit price', 'cost', 'source'],
      estimate.lines.map((l) => [
        l.service,
        l.item,
        quantity(l.quantity),
        l.unit,
        `$${PRICES[l.price].usd.toPrecision(4)}`,
        usd(l.usd),
        PRICES[l.price].source,
      ]),
      ['l', 'l', 'r', 'l', 'r', 'r', 'l'],
    ),
    '',
    `- API Gateway + Lambda + SQS + DynamoDB: **${usd(estimate.coreUsd)}**`,
    `- CloudWatch Logs + X-Ray (estimates): ${usd(estimate.observabilityUsd)}`,
    `- Total: **${usd(estimate.totalUsd)}**, i.e. ${usd(estimate.perMillionRequestsUsd)} per million requests`,
    `- Shadow share (everything the shadow path adds: dispatch time, worker, SQS, DynamoDB): ${usd(shadowShare(input))}`,
    '',
    `Durations: router ${input.routerMs} ms per request (+${input.dispatchMs} ms SendMessage when sampled), worker ${input.workerBatchMs} ms per batch (candidate and two DynamoDB calls; records in parallel). SQS requests per sampled message: ${estimate.derived.sqsRequestsPerSample.toFixed(2)}.`,
    '',
    '## Typical comparison record',
    '',
    `Built by the real code path (router parsing and servePrediction → worker compareShadow → ComparisonStore's UpdateItem as serialized for the wire) for one churn request with the stage's comparator and input capture (${record.maxCapturedBodyBytesInOneWru === undefined ? 'off: input stored as a hash' : 'on: input body stored'}). Item size by DynamoDB's rules (names + values, 3 B per map/list, 1 B per element).`,
    '',
    `- Item as written by the worker: **${record.bytes} bytes → ${record.writeUnits} WRU** (${record.withinOneWriteUnit ? `within one write unit, ${1024 - record.bytes} bytes to spare` : `over one write unit by ${record.bytes - 1024} bytes`}).`,
    `- With a joined outcome: ${record.bytesWithOutcome} bytes → ${record.writeUnitsWithOutcome} WRU.`,
    `- When the record also carries the noise baseline (production re-invoked and compared with itself, ${(input.noiseBaselineShare * 100).toFixed(0)}% of comparisons in this stage): ${baselineRecord.bytes} bytes → ${baselineRecord.writeUnits} WRU${baselineRecord.withinOneWriteUnit ? '' : ` (over one write unit by ${baselineRecord.bytes - 1024} bytes)`}; with an outcome ${baselineRecord.bytesWithOutcome} bytes → ${baselineRecord.writeUnitsWithOutcome} WRU.`,
    `- The table has no index (reports read the evidence log): ${Number(estimate.derived.wruPerComparison.toFixed(3))} WRU per comparison on average.`,
    ...(record.maxCapturedBodyBytesInOneWru === undefined
      ? []
      : [
          `- With input capture on, a request body up to ${record.maxCapturedBodyBytesInOneWru} bytes keeps the item within one WRU.`,
        ]),
    `- Shadow message on SQS: ${input.messageBytes} bytes (one 64 KB request chunk).`,
    '',
    table(
      ['attribute', 'bytes'],
      record.attributes.map((a) => [a.name, String(a.bytes)]),
    ),
    '',
    'Largest single values:',
    '',
    table(
      ['path', 'bytes (name + value)'],
      record.largestLeaves.map((l) => [`\`${l.path}\``, String(l.bytes)]),
    ),
    '',
    `Layout changes and what each would save on the record that carries the noise baseline (${baselineRecord.bytes} bytes, of which \`noiseBaseline\` ${baselineRecord.attributes.find((a) => a.name === 'noiseBaseline')?.bytes ?? 0}):`,
    '',
    table(
      ['change', 'bytes saved'],
      baselineRecord.savings.map((s) => [s.proposal, String(s.savedBytes)]),
    ),
    '',
    "Not included: free tiers; empty ReceiveMessage calls of the event source mapping's long polling (a fixed monthly cost, independent of N); data transfer; KMS requests for the AWS-managed table key (DynamoDB caches data keys); SageMaker endpoint hours and invocations; Lambda INIT time of cold starts.",
  );
  return out.join('\n');
}

/** What sampling adds: the same estimate minus the estimate at sample rate 0. */
function shadowShare(input: CostInput): number {
  return estimateCost(input).totalUsd - estimateCost({ ...input, sampleRate: 0 }).totalUsd;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
