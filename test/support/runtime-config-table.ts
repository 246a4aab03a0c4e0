import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import { runtimeConfigTable } from '../../local/emulators/dynamodb';
import { startDynalite } from './dynalite';

/** Deploy-time routing of the tests: churn-v1 serving, churn-v2 replayed for every request, no canary. */
export const DEPLOY_TIME_ROUTING: RoutingKnobs = {
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  shadowEnabled: true,
  sampleRate: 1,
  canaryPercent: 0,
};

/** The runtime config table (Powertools' DynamoDBProvider reads `id`/`value`), as local mode creates it. */
export async function createRuntimeConfigTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  await client.send(new CreateTableCommand(runtimeConfigTable(tableName)));
  client.destroy();
}

/** dynalite with an empty runtime config table, and a client for it. */
export async function startRuntimeConfigTable(tableName = 'runtime-config') {
  const dynamo = await startDynalite('comparisons');
  await createRuntimeConfigTable(dynamo.endpoint, tableName);
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
  return {
    tableName,
    endpoint: dynamo.endpoint,
    client,
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
}
