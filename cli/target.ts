import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RuntimeConfigStore } from '../lambda/adapters/runtime-config-store';
import { UserError } from '../lambda/core/errors';
import type { Guardrails } from '../lambda/core/guardrails';
import type { RoutingKnobs } from '../lambda/core/runtime-config';
import { resourceNames } from '../lib/config/resource-names';
import { resolveStage, stages } from '../lib/config/stages';

export const DEFAULT_URL = 'http://localhost:3000';

/** Where a command acts: a running local mode (`--url`) or a deployed stage (`--stage`). */
export interface Target {
  readonly kind: 'local' | 'aws';
  readonly label: string;
  readonly url?: string;
  readonly stage?: string;
  /** AWS region of a deployed stage. */
  readonly region?: string;
  readonly deployTime: RoutingKnobs;
  readonly allowedEndpoints: readonly string[];
  readonly guardrails: Guardrails;
  readonly comparisonTable: string;
  readonly runtimeConfig: RuntimeConfigStore;
  readonly documentClient: DynamoDBDocumentClient;
}

export class CliError extends UserError {
  override readonly name = 'CliError';
}

export async function resolveTarget(options: {
  readonly url?: string | undefined;
  readonly stage?: string | undefined;
}): Promise<Target> {
  if (options.url !== undefined && options.stage !== undefined)
    throw new CliError('give --url or --stage, not both');
  return options.stage === undefined ? localTarget(options.url ?? DEFAULT_URL) : awsTarget(options.stage);
}

/**
 * Local mode tells where its runtime config lives; from there the CLI uses the same store code
 * as against AWS, pointed at the local DynamoDB.
 */
async function localTarget(url: string): Promise<Target> {
  let info: {
    region: string;
    dynamodbEndpoint: string;
    comparisonTable: string;
    runtimeConfigTable: string;
    deployTime: RoutingKnobs;
    allowedEndpoints: string[];
    guardrails: Guardrails;
  };
  try {
    const response = await fetch(new URL('/local/info', url), { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    info = (await response.json()) as typeof info;
  } catch (error) {
    throw new CliError(
      `cannot reach local mode at ${url} (${(error as Error).message}); start it with npm start, or use --stage`,
    );
  }
  const client = new DynamoDBClient({
    region: info.region,
    endpoint: info.dynamodbEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const documentClient = DynamoDBDocumentClient.from(client);
  return {
    kind: 'local',
    label: `local mode at ${url}`,
    url,
    deployTime: info.deployTime,
    allowedEndpoints: info.allowedEndpoints,
    guardrails: info.guardrails,
    comparisonTable: info.comparisonTable,
    runtimeConfig: new RuntimeConfigStore(client, info.runtimeConfigTable),
    documentClient,
  };
}

/**
 * The region a deployed stage is reached in: its config's, or the SDK's usual sources
 * (AWS_REGION, the profile). Resolved before any call, so a missing one is a clear message
 * rather than the SDK's "Region is missing" from deep inside a request.
 */
async function stageRegion(configured: string | undefined, stage: string): Promise<string> {
  if (configured) return configured;
  try {
    return await new DynamoDBClient({}).config.region();
  } catch {
    throw new CliError(
      `no AWS region for stage ${stage}: set AWS_REGION (or a region in your AWS profile) to where the stage is deployed`,
    );
  }
}

/** A deployed stage: names and deploy-time values from the typed stage config; credentials from the SDK chain. */
async function awsTarget(stageName: string): Promise<Target> {
  const stage = resolveStage(stageName);
  const config = stages[stage];
  const region = await stageRegion(config.env?.region, stage);
  const deployTime: RoutingKnobs = {
    productionEndpoint: config.productionEndpoint,
    candidateEndpoints: config.candidateEndpoints,
    shadowEnabled: config.shadow.enabled,
    sampleRate: config.shadow.sampleRate,
    canaryPercent: config.canaryPercent,
  };
  const client = new DynamoDBClient({ region });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    kind: 'aws',
    label: `stage ${stage}`,
    stage,
    region,
    deployTime,
    allowedEndpoints: [config.productionEndpoint, ...config.candidateEndpoints],
    guardrails: config.guardrails,
    comparisonTable: resourceNames(stage).comparisonTable,
    runtimeConfig: new RuntimeConfigStore(client, resourceNames(stage).runtimeConfigTable),
    documentClient,
  };
}
