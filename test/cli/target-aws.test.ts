import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { change, status } from '../../cli/commands/config';
import { CliError, resolveTarget } from '../../cli/target';
import { stages } from '../../lib/config/stages';
import { deploymentRecord } from '../support/deployment-record';

// No AWS here: the deployed stage's runtime config table is the DynamoDB client, mocked.
const dbMock = mockClient(DynamoDBClient);

beforeEach(() => dbMock.reset());

describe('--stage targets what is deployed, not lib/config/stages.ts', () => {
  it("reads deploy-time routing, allowed endpoints, guardrails and comparator from the stage's deployment record", async () => {
    // Arrange: prod deployed with -c productionEndpoint=fraud-v7 -c candidateEndpoints=fraud-v8,fraud-v9
    const { record, item } = deploymentRecord('prod');
    dbMock
      .on(GetItemCommand, {
        TableName: 'shadow-rollout-prod-runtime-config',
        Key: { id: { S: 'deployment' } },
      })
      .resolves(item);

    // Act
    const target = await resolveTarget({ stage: 'prod' });

    // Assert
    expect(target.deployTime).toEqual(record.deployTime);
    expect(target.deployTime.productionEndpoint).not.toBe(stages.prod.productionEndpoint);
    expect(target.allowedEndpoints).toEqual(['fraud-v7', 'fraud-v8', 'fraud-v9']);
    expect(target.guardrails).toEqual(stages.prod.guardrails);
    expect(target.comparator).toEqual(stages.prod.shadow.comparator);
    expect(target.comparisonTable).toBe('shadow-rollout-prod-comparisons');
    expect(dbMock).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
  });

  it('shows the deployed routing in status, and validates runtime changes against the deployed endpoints', async () => {
    // Arrange
    dbMock.on(GetItemCommand, { Key: { id: { S: 'deployment' } } }).resolves(deploymentRecord('prod').item);
    dbMock.on(GetItemCommand, { Key: { id: { S: 'routing' } } }).resolves({});
    dbMock.on(PutItemCommand).resolves({});
    const target = await resolveTarget({ stage: 'prod' });

    // Act
    const shown = await status(target, false);
    const promoted = await change(target, { action: 'promote' }, 'test', 'tester');

    // Assert
    expect(shown).toMatch(/production endpoint\s+fraud-v7\s+\(deploy-time\)/);
    expect(promoted).toContain('fraud-v7 -> fraud-v8');
    const written = JSON.parse(String(dbMock.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.value?.S));
    // The old production is the first candidate (the way back); fraud-v9 stays in shadow.
    expect(written.overrides).toMatchObject({
      productionEndpoint: 'fraud-v8',
      candidateEndpoints: ['fraud-v7', 'fraud-v9'],
    });
  });

  it.each([
    [
      'no deployment record',
      {},
      /stage dev has no deployment record in shadow-rollout-dev-runtime-config: deploy it once/,
    ],
  ])('says what to do when there is %s', async (_label, answer, message) => {
    dbMock.on(GetItemCommand).resolves(answer);
    const failure = resolveTarget({ stage: 'dev' });
    await expect(failure).rejects.toThrow(CliError);
    await expect(resolveTarget({ stage: 'dev' })).rejects.toThrow(message);
  });

  it('says the stage is not deployed here when its table does not exist', async () => {
    dbMock
      .on(GetItemCommand)
      .rejects(
        Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      );
    await expect(resolveTarget({ stage: 'staging' })).rejects.toThrow(
      /stage staging is not deployed in us-east-1 \(no table shadow-rollout-staging-runtime-config\)/,
    );
  });
});
