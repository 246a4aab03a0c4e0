import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runtimeConfigTable } from '../../local/emulators/dynamodb';

/** The runtime config table (Powertools' DynamoDBProvider reads `id`/`value`), as local mode creates it. */
export async function createRuntimeConfigTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  await client.send(new CreateTableCommand(runtimeConfigTable(tableName)));
  client.destroy();
}
