import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RuntimeConfigStore } from '../lambda/adapters/runtime-config-store';
import { parseComparatorConfig } from '../lambda/core/comparators';
import type { ComparatorConfig } from '../lambda/core/comparators/types';
import type { Guardrails } from '../lambda/core/guardrails';
import type { RoutingKnobs } from '../lambda/core/runtime-config';
import { resourceNames } from '../lib/config/resource-names';
import { resolveStage } from '../lib/config/stages';

export const DEFAULT_URL = 'http://localhost:3000';

/** Where a command acts: a running local mode (`--url`) or a deployed stage (`--stage`). */
export interface Target {
  readonly kind: 'local' | 'aws';
  readonly label: string;
  readonly url?: string;
  readonly stage?: string;
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

export class CliError extends Error {
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
  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: info.region,
      endpoint: info.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  return {
    kind: 'local',
    label: `local mode at ${url}`,
    url,
    deployTime: info.deployTime,
    allowedEndpoints: info.allowedEndpoints,
    guardrails: info.guardrails,
    comparisonTable: info.comparisonTable,
    runtimeConfig: new RuntimeConfigStore(documentClient, info.runtimeConfigTable),
    documentClient,
  };
}

/**
 * A deployed stage, as deployed: its routing, allowed endpoints, guardrails and comparator come
 * from the deployment record CloudFormation writes into the stage's runtime config table on
 * every deploy (not from lib/config/stages.ts, which may differ from what was deployed, e.g. by
 * `-c productionEndpoint=…`). Credentials and region from the SDK's default chain.
 */
export async function awsTarget(
  stageName: string,
  documentClient: DynamoDBDocumentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
): Promise<Target> {
  const stage = resolveStage(stageName);
  const table = resourceNames(stage).runtimeConfigTable;
  const runtimeConfig = new RuntimeConfigStore(documentClient, table);
  let deployment: Awaited<ReturnType<RuntimeConfigStore['readDeployment']>>;
  try {
    deployment = await runtimeConfig.readDeployment();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ResourceNotFoundException')
      throw new CliError(
        `stage ${stage} is not deployed in this account and region (no table ${table}): deploy it with npx cdk deploy -c stage=${stage}, or set AWS_REGION/AWS_PROFILE`,
      );
    if (
      name === 'CredentialsProviderError' ||
      name === 'AccessDeniedException' ||
      name === 'UnrecognizedClientException'
    )
      throw new CliError(
        `cannot read ${table} (${name}): use credentials allowed to read the stage, e.g. AWS_PROFILE=…`,
      );
    throw error;
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
    deployTime: deployment.deployTime,
    allowedEndpoints: deployment.allowedEndpoints,
    guardrails: deployment.guardrails,
    comparator: parseComparatorConfig(JSON.stringify(deployment.comparator ?? { type: 'exact' })),
    comparisonTable: deployment.comparisonTable,
    runtimeConfig,
    documentClient,
  };
}
