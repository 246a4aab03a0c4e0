import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The runtime config table's key schema (Powertools' DynamoDBProvider reads `id`/`value`). */
export async function createRuntimeConfigTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  client.destroy();
}
