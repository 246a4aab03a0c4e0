import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RUNTIME_CONFIG_TABLE_KEY } from '../configuration/tables';
import {
  DEPLOYMENT_RECORD_ID,
  type DeploymentRecord,
  parseDeploymentRecord,
} from '../core/deployment-record';

/**
 * Reads what a stage was deployed with: the item CloudFormation writes into the runtime config
 * table on every deploy (lib/constructs/runtime-config-table.ts). The CLI's; kept apart from the
 * router's runtime config reader so the router bundle does not carry it.
 */
export async function readDeploymentRecord(
  db: DynamoDBClient,
  tableName: string,
): Promise<DeploymentRecord | undefined> {
  const { Item } = await db.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { [RUNTIME_CONFIG_TABLE_KEY]: { S: DEPLOYMENT_RECORD_ID } },
      ConsistentRead: true,
    }),
  );
  const value = Item?.value?.S;
  return value === undefined ? undefined : parseDeploymentRecord(value);
}
