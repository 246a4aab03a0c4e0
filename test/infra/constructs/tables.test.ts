import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ComparisonTable } from '../../../lib/constructs/comparison-table';
import { RuntimeConfigTable } from '../../../lib/constructs/runtime-config-table';
import { deploymentRecord } from '../../support/deployment-record';
import { acknowledgedRules, bareStack, synthesize } from '../support/construct-stack';
import { logicalId, permissionsOfRole, removeSynthOutput, render } from '../support/synth';

afterAll(removeSynthOutput);

const role = (stack: Stack, id: string) =>
  new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

describe('ComparisonTable (table)', () => {
  it('is one item per request id, on demand, encrypted, expiring by TTL, backed up and kept by default (cdk-nag clean)', () => {
    const stack = bareStack('comparison-table', { nag: true });
    new ComparisonTable(stack, 'Comparisons', { tableName: 'shadow-rollout-dev-comparisons' });
    synthesize(stack).hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: 'shadow-rollout-dev-comparisons',
        KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  it('without backups (a non-production stage): acknowledged with the reason, destroyed with the stack', () => {
    const stack = bareStack('comparison-table', { nag: true });
    const store = new ComparisonTable(stack, 'Comparisons', {
      pointInTimeRecovery: false,
      retainData: false,
    });
    synthesize(stack).hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      }),
      DeletionPolicy: 'Delete',
    });
    expect(acknowledgedRules(store.table)).toMatchObject({
      'Annotation::AwsSolutions-DDB3': expect.stringMatching(/expires within days/),
      'cdk-validator-cfnguard::dynamodb_table_pitr_enabled_check':
        expect.stringMatching(/expires within days/),
    });
  });

  it('grants each function exactly the calls its job needs, on the table and not its indexes', () => {
    // Arrange
    const stack = bareStack('comparison-table');
    const store = new ComparisonTable(stack, 'Comparisons');
    const [worker, reader, outcomes] = ['Worker', 'Reader', 'Outcomes'].map((id) => role(stack, id)) as [
      iam.Role,
      iam.Role,
      iam.Role,
    ];
    // Act
    store.grantRecordComparisons(worker);
    store.grantReadComparison(reader);
    store.grantRecordOutcomes(outcomes);
    const template = synthesize(stack);
    // Assert
    const table = `{${logicalId(store.table)}.Arn}`;
    const of = (r: iam.Role) => permissionsOfRole(template, logicalId(r));
    expect(of(worker)).toEqual([
      { effect: 'Allow', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [table] },
    ]);
    expect(of(reader)).toEqual([{ effect: 'Allow', actions: ['dynamodb:GetItem'], resources: [table] }]);
    expect(of(outcomes)).toEqual([{ effect: 'Allow', actions: ['dynamodb:UpdateItem'], resources: [table] }]);
  });
});

describe('RuntimeConfigTable (table)', () => {
  it('keeps documents by id; the router may read them, the CLI role read and write', () => {
    const stack = bareStack('runtime-config-table', { nag: true });
    const store = new RuntimeConfigTable(stack, 'RuntimeConfig', { tableName: 'rc' });
    const router = role(stack, 'Router');
    const rollback = role(stack, 'Rollback');
    store.grantReadRoutingConfig(router);
    store.grantChangeRoutingConfig(rollback);
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'rc',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    const table = `{${logicalId(store.table)}.Arn}`;
    expect(permissionsOfRole(template, logicalId(router))).toEqual([
      { effect: 'Allow', actions: ['dynamodb:GetItem'], resources: [table] },
    ]);
    expect(permissionsOfRole(template, logicalId(rollback))).toEqual([
      { effect: 'Allow', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table] },
    ]);
  });

  it('writes the deployment record on every deploy with a role that may only put that item and log', () => {
    // Arrange
    const stack = bareStack('runtime-config-table');
    const store = new RuntimeConfigTable(stack, 'RuntimeConfig');
    const { record } = deploymentRecord('dev');
    // Act
    store.recordDeployment(record, {});
    const template = synthesize(stack);
    // Assert: the item is the resource's property, so a changed record is written again
    const [writer] = Object.values(template.findResources('Custom::AWS'));
    const create = JSON.parse(render((writer as { Properties: { Create: unknown } }).Properties.Create));
    expect(create).toMatchObject({
      service: 'DynamoDB',
      action: 'PutItem',
      parameters: { TableName: `{${logicalId(store.table)}}`, Item: { id: { S: 'deployment' } } },
    });
    expect(JSON.parse(create.parameters.Item.value.S)).toEqual(record);
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('deployment record') },
    });
    const [roleId] = Object.keys(roles);
    const permissions = permissionsOfRole(template, roleId ?? '');
    expect(permissions.flatMap((p) => p.actions).sort()).toEqual([
      'dynamodb:PutItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });
});
