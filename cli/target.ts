import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RuntimeConfigStore } from '../lambda/adapters/runtime-config-store';
import { parseComparatorConfig } from '../lambda/core/comparators';
import type { ComparatorConfig } from '../lambda/core/comparators/types';
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
  /**
   * How answers are compared, as deployed.
   * @default - local mode compares itself and reports through its API
   */
  readonly comparator?: ComparatorConfig;
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

/**
 * A deployed stage, as deployed: its routing, allowed endpoints, guardrails and comparator come
 * from the deployment record CloudFormation writes into the stage's runtime config table on
 * every deploy (not from lib/config/stages.ts, which may differ from what was deployed, e.g. by
 * `-c productionEndpoint=…`). Region from the stage's config or the SDK's sources; credentials
 * from the SDK chain.
 */
export async function awsTarget(stageName: string): Promise<Target> {
  const stage = resolveStage(stageName);
  const region = await stageRegion(stages[stage].env?.region, stage);
  const client = new DynamoDBClient({ region });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table = resourceNames(stage).runtimeConfigTable;
  const runtimeConfig = new RuntimeConfigStore(client, table);
  let deployment: Awaited<ReturnType<RuntimeConfigStore['readDeployment']>>;
  try {
    deployment = await runtimeConfig.readDeployment();
  } catch (error) {
    // Credentials and access errors keep their remedies (cli/user-errors.ts).
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    throw new CliError(
      `stage ${stage} is not deployed in ${region} (no table ${table}): deploy it with npx cdk deploy -c stage=${stage}, or set AWS_REGION/AWS_PROFILE to where it is`,
    );
  }
  if (deployment === undefined) {
    throw new CliError(
      `stage ${stage} has no deployment record in ${table}: deploy it once with this version (npx cdk deploy -c stage=${stage})`,
    );
  }
  return {
    kind: 'aws',
    label: `stage ${stage}`,
    stage,
    region,
    deployTime: deployment.deployTime,
    allowedEndpoints: deployment.allowedEndpoints,
    guardrails: deployment.guardrails,
    comparator: parseComparatorConfig(JSON.stringify(deployment.comparator ?? { type: 'exact' })),
    comparisonTable: deployment.comparisonTable,
    runtimeConfig,
    documentClient,
  };
}
