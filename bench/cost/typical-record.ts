import { setTimeout as sleep } from 'node:timers/promises';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ComparisonStore, dynamoDocumentClient } from '../../lambda/adapters/comparison-store';
import { modelInvoker } from '../../lambda/adapters/model-endpoint';
import { EnvName } from '../../lambda/configuration/env-names';
import { workerSettings } from '../../lambda/configuration/function-settings';
import { createComparator } from '../../lambda/core/comparators';
import { labelReader } from '../../lambda/core/comparators/predicted-label';
import type { Outcome } from '../../lambda/core/comparison-record';
import { parsePredictRequest } from '../../lambda/core/predict-request';
import { messageBytes, type ShadowMessage } from '../../lambda/core/shadow-message';
import { compareShadow } from '../../lambda/use-cases/compare-shadow';
import type { MetricsPort } from '../../lambda/use-cases/ports/metrics';
import { servePrediction } from '../../lambda/use-cases/serve-prediction';
import type { StageConfig } from '../../lib/config/stage-config';
import { demoModels } from '../../local/models/index';

/** A typical churn request: one customer's features, with a user id, no caller request id. */
export const TYPICAL_CHURN_REQUEST = {
  body: '{"tenure_months": 7, "monthly_charges": 79.85, "support_calls": 3, "contract_months": 1, "late_payments": 1}',
  userId: 'customer-0042817',
} as const;

/** Simulated model times; real latencies carry two decimals, which affects the stored number size. */
const PRODUCTION_LATENCY_MS = 20;
const CANDIDATE_LATENCY_MS = 40;

export interface TypicalRecord {
  readonly message: ShadowMessage;
  /** SQS message body size (what SQS bills in 64 KB chunks). */
  readonly messageBytes: number;
  /** The item as the worker's UpdateItem writes it (key + SET values, DynamoDB wire format). */
  readonly item: Record<string, AttributeValue>;
  /** The same item after `POST /outcomes` joined a typical outcome. */
  readonly itemWithOutcome: Record<string, AttributeValue>;
}

/**
 * Builds the comparison record of one typical churn request through the real code path: the
 * router's request parsing and `servePrediction`, the worker's `compareShadow` and the real
 * `ComparisonStore` on the real document client, whose marshalled UpdateItem request is captured
 * on the wire (just before signing) instead of being sent. Only the model endpoints are stubbed
 * (the demo churn models, answering after the simulated latency).
 */
export async function buildTypicalRecord(
  stage: StageConfig,
  options: {
    /** Also re-invoke production and store its self-comparison (done for a share of messages). */
    readonly noiseBaseline?: boolean;
  } = {},
): Promise<TypicalRecord> {
  const salt = 'typical-record';
  const event = {
    httpMethod: 'POST',
    path: '/predict',
    headers: { 'Content-Type': 'application/json', 'X-User-Id': TYPICAL_CHURN_REQUEST.userId },
    body: TYPICAL_CHURN_REQUEST.body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
  const request = parsePredictRequest(event, stage.router.maxPayloadBytes);

  let dispatched: ShadowMessage | undefined;
  await servePrediction(
    request,
    {
      productionEndpoint: stage.productionEndpoint,
      candidateEndpoints: [...stage.candidateEndpoints],
      shadowEnabled: true,
      sampleRate: 1,
      canaryPercent: 0,
      userKeySalt: salt,
      maxMessageBytes: stage.router.maxMessageBytes,
    },
    {
      invokeModel: demoModelInvoker({ [stage.productionEndpoint]: PRODUCTION_LATENCY_MS }),
      dispatchShadow: async (message) => {
        dispatched = message;
        return { outcome: 'dispatched' };
      },
      metrics: NO_METRICS,
      now: () => new Date(),
    },
  );
  if (dispatched === undefined) throw new Error('the router did not dispatch a shadow message');

  const settings = workerSettings({
    [EnvName.tableName]: 'comparisons',
    [EnvName.comparator]: JSON.stringify(stage.shadow.comparator),
    [EnvName.captureInput]: String(stage.shadow.captureInput),
    [EnvName.recordTtlDays]: String(stage.shadow.recordTtlDays),
    [EnvName.noiseBaselineRate]: options.noiseBaseline ? '1' : '0',
  });
  const wire = capturingDocumentClient();
  const comparatorConfig = settings.comparator;
  await compareShadow(dispatched, settings.compare, {
    invokeModel: demoModelInvoker({
      [stage.productionEndpoint]: PRODUCTION_LATENCY_MS,
      ...Object.fromEntries(stage.candidateEndpoints.map((name) => [name, CANDIDATE_LATENCY_MS])),
    }),
    store: new ComparisonStore(wire.client, settings.tableName),
    // The cost model prices the DynamoDB item; the log's bytes are priced from its files.
    evidenceLog: { append: async () => undefined },
    comparator: createComparator(comparatorConfig),
    labelOf: labelReader(comparatorConfig),
    metrics: NO_METRICS,
    now: () => new Date(),
  });
  const item = wire.updatedItem();
  const outcome: Outcome = { converted: true, value: 64.5, receivedAt: new Date().toISOString() };
  return {
    message: dispatched,
    messageBytes: messageBytes(dispatched),
    item,
    itemWithOutcome: { ...item, outcome: { M: marshall(outcome, { removeUndefinedValues: true }) } },
  };
}

const NO_METRICS: MetricsPort = { count: () => {}, milliseconds: () => {}, ratio: () => {} };

/**
 * The real `modelInvoker` over a stub SDK client that answers with a demo model after a delay,
 * so the stored result has the shape and the kind of latency number a real call produces.
 */
function demoModelInvoker(latencyByEndpoint: Readonly<Record<string, number>>) {
  const client = {
    send: async (command: {
      input: { EndpointName: string; ContentType?: string; Accept?: string; Body: Uint8Array };
    }) => {
      const { EndpointName, ContentType, Accept, Body } = command.input;
      const model = demoModels[EndpointName];
      const latency = latencyByEndpoint[EndpointName];
      if (model === undefined || latency === undefined) throw new Error(`no demo model ${EndpointName}`);
      await sleep(latency);
      const answer = model.invoke({ body: Buffer.from(Body), contentType: ContentType, accept: Accept });
      return {
        Body: new Uint8Array(Buffer.from(answer.body)),
        ContentType: answer.contentType,
        InvokedProductionVariant: 'AllTraffic',
      };
    },
  } as unknown as SageMakerRuntimeClient;
  return modelInvoker(client, 5_000);
}

/**
 * The stack's document client with a middleware that answers every call locally: GetItem finds
 * nothing, UpdateItem is recorded as serialized for the wire and answered with no old item.
 */
function capturingDocumentClient() {
  // The SDK resolves a region and credentials before the capture point; nothing is ever sent.
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  process.env.AWS_ENDPOINT_URL_DYNAMODB ??= 'http://127.0.0.1:9';
  const client = dynamoDocumentClient();
  let update: Record<string, unknown> | undefined;
  client.middlewareStack.add(
    (_next, _context) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
      const target = request.headers['x-amz-target'] ?? '';
      const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
      if (target.endsWith('.UpdateItem')) update = JSON.parse(body) as Record<string, unknown>;
      return { output: { $metadata: {} }, response: {} } as never;
    },
    { step: 'build', name: 'benchCaptureWire' },
  );
  return {
    client,
    updatedItem(): Record<string, AttributeValue> {
      if (update === undefined) throw new Error('the store wrote no comparison');
      const key = update.Key as Record<string, AttributeValue>;
      const names = update.ExpressionAttributeNames as Record<string, string>;
      const values = update.ExpressionAttributeValues as Record<string, AttributeValue>;
      const item: Record<string, AttributeValue> = { ...key };
      for (const [placeholder, name] of Object.entries(names)) {
        const value = values[placeholder.replace(/^#f/, ':v')];
        if (value !== undefined) item[name] = value;
      }
      return item;
    },
  };
}
