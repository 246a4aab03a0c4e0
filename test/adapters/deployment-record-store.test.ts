import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { readDeploymentRecord } from '../../lambda/adapters/deployment-record-store';
import { deploymentRecord } from '../support/deployment-record';
import { startDynalite } from '../support/dynalite';
import { createRuntimeConfigTable } from '../support/runtime-config-table';

const TABLE = 'runtime-config';
let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let db: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite('comparisons');
  await createRuntimeConfigTable(dynamo.endpoint, TABLE);
  db = new DynamoDBClient({ endpoint: dynamo.endpoint });
});
afterAll(async () => {
  db.destroy();
  await dynamo.stop();
});

describe('readDeploymentRecord (dynalite)', () => {
  it('is undefined before the first deploy wrote the record', async () => {
    expect(await readDeploymentRecord(db, TABLE)).toBeUndefined();
  });

  it('reads the record CloudFormation wrote into the runtime config table', async () => {
    const { record, item } = deploymentRecord('staging');
    await db.send(new PutItemCommand({ TableName: TABLE, Item: item.Item }));
    expect(await readDeploymentRecord(db, TABLE)).toEqual(record);
  });

  it('names what a stored record lacks', async () => {
    await db.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { id: { S: 'deployment' }, value: { S: JSON.stringify({ v: 1, stage: 'dev' }) } },
      }),
    );
    await expect(readDeploymentRecord(db, TABLE)).rejects.toThrow(/lacks stackName, deployTime/);
  });
});
