import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { change, status } from '../../cli/commands/config';
import { CliError, resolveTarget } from '../../cli/target';
import { stages } from '../../lib/config/stages';
import { deploymentRecord } from '../support/deployment-record';

// No AWS here: the deployed stage is the DynamoDB document client, mocked at the wire level.
const dbMock = mockClient(DynamoDBDocumentClient);

beforeEach(() => dbMock.reset());

describe('--stage targets what is deployed, not lib/config/stages.ts', () => {
  it("reads deploy-time routing, allowed endpoints, guardrails and comparator from the stage's deployment record", async () => {
    // Arrange: prod deployed with -c productionEndpoint=fraud-v7 -c candidateEndpoints=fraud-v8,fraud-v9
    const { record, item } = deploymentRecord('prod');
    dbMock
      .on(GetCommand, { TableName: 'shadow-rollout-prod-runtime-config', Key: { id: 'deployment' } })
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
    expect(dbMock).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true });
  });

  it('shows the deployed routing in status, and validates runtime changes against the deployed endpoints', async () => {
    // Arrange
    dbMock.on(GetCommand, { Key: { id: 'deployment' } }).resolves(deploymentRecord('prod').item);
    dbMock.on(GetCommand, { Key: { id: 'routing' } }).resolves({});
    dbMock.on(PutCommand).resolves({});
    const target = await resolveTarget({ stage: 'prod' });

    // Act
    const shown = await status(target, false);
    const promoted = await change(target, { action: 'promote' }, 'test', 'tester');

    // Assert
    expect(shown).toMatch(/production endpoint\s+fraud-v7\s+\(deploy-time\)/);
    expect(promoted).toContain('fraud-v7 -> fraud-v8');
    const written = JSON.parse(String(dbMock.commandCalls(PutCommand)[0]?.args[0].input.Item?.value));
    expect(written.overrides).toMatchObject({
      productionEndpoint: 'fraud-v8',
      candidateEndpoints: ['fraud-v7'],
    });
  });

  it.each([
    [
      'no deployment record',
      {},
      /stage dev has no deployment record in shadow-rollout-dev-runtime-config: deploy it once/,
    ],
  ])('says what to do when there is %s', async (_label, answer, message) => {
    dbMock.on(GetCommand).resolves(answer);
    const failure = resolveTarget({ stage: 'dev' });
    await expect(failure).rejects.toThrow(CliError);
    await expect(resolveTarget({ stage: 'dev' })).rejects.toThrow(message);
  });

  it('says the stage is not deployed here when its table does not exist', async () => {
    dbMock
      .on(GetCommand)
      .rejects(
        Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      );
    await expect(resolveTarget({ stage: 'staging' })).rejects.toThrow(
      /stage staging is not deployed in this account and region \(no table shadow-rollout-staging-runtime-config\)/,
    );
  });
});
