import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RECORD_COLUMNS } from '../../../lambda/core/evidence/log-schema';
import {
  AnalysisWorkGroup,
  ATHENA_ENGINE_VERSION,
  QUERY_ACTIONS,
} from '../../../lib/constructs/analysis-workgroup';
import { EvidenceBucket } from '../../../lib/constructs/evidence-bucket';
import { EvidenceCatalog } from '../../../lib/constructs/evidence-catalog';
import { EvidenceDeliveryStream } from '../../../lib/constructs/evidence-delivery-stream';
import { acknowledgedRules, bareStack, synthesize } from '../support/construct-stack';
import { logicalId, permissionsOfRole, removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

// The constructs around the evidence bucket, each in a bare stack with the bucket it needs.
const BUCKET = { retentionDays: 90, queryResultRetentionDays: 7, accessLogging: false };
const lambdaRole = (stack: Stack) =>
  new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

function analysis(stack: Stack, bucketProps: ConstructorParameters<typeof EvidenceBucket>[2] = BUCKET) {
  const bucket = new EvidenceBucket(stack, 'Evidence', bucketProps);
  const catalog = new EvidenceCatalog(stack, 'Catalog', {
    bucket,
    databaseName: 'shadow_rollout_dev',
    retentionDays: 90,
  });
  const workGroup = new AnalysisWorkGroup(stack, 'Analysis', {
    workGroupName: 'shadow-rollout-dev',
    bucket,
    catalog,
    maxBytesScannedPerQuery: 10_000_000_000,
  });
  return { bucket, catalog, workGroup };
}

describe('EvidenceCatalog', () => {
  it('declares records and outcomes as projected JSON tables, one column per log field', () => {
    const stack = bareStack('evidence-catalog');
    analysis(stack);
    const template = synthesize(stack);
    template.resourceCountIs('AWS::Glue::Table', 2);
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'records',
        PartitionKeys: [Match.objectLike({ Name: 'dt' })],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.dt.range': 'NOW-90DAYS,NOW+1DAYS',
        }),
        StorageDescriptor: Match.objectLike({
          Columns: Object.keys(RECORD_COLUMNS).map((name) => Match.objectLike({ Name: name.toLowerCase() })),
        }),
      }),
    });
  });

  it('refuses a database name SQL would have to quote', () => {
    const stack = bareStack('evidence-catalog');
    const bucket = new EvidenceBucket(stack, 'Evidence', BUCKET);
    expect(
      () =>
        new EvidenceCatalog(stack, 'Catalog', { bucket, databaseName: 'Shadow-Rollout', retentionDays: 9 }),
    ).toThrow(/must match/);
  });
});

describe('AnalysisWorkGroup', () => {
  it('enforces its result location, encryption with the evidence key, engine and scan cutoff', () => {
    const stack = bareStack('analysis-workgroup');
    analysis(stack);
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'shadow-rollout-dev',
      RecursiveDeleteOption: false,
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10_000_000_000,
        EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION },
        ResultConfiguration: Match.objectLike({
          ExpectedBucketOwner: '123456789012',
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        }),
      }),
    });
  });

  it('with S3-managed evidence: SSE-S3 results, acknowledged with the reason', () => {
    const stack = bareStack('analysis-workgroup');
    const { workGroup } = analysis(stack, { ...BUCKET, encryption: 's3-managed', encryptionReason: 'dev' });
    synthesize(stack).hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      }),
    });
    expect(
      acknowledgedRules(workGroup.workGroup)[
        'cdk-validator-cfnguard::athena_workgroup_results_encrypted_at_rest_kms_check'
      ],
    ).toMatch(/S3-managed/);
  });

  it('lets a reader query this workgroup, read the definitions and the relations, and nothing more', () => {
    // Arrange
    const stack = bareStack('analysis-workgroup');
    const { workGroup } = analysis(stack);
    const reader = lambdaRole(stack);
    // Act
    workGroup.grantRunQueries(reader);
    const template = synthesize(stack);
    // Assert
    const permissions = permissionsOfRole(template, logicalId(reader));
    expect(permissions).toContainEqual({
      effect: 'Allow',
      actions: [...QUERY_ACTIONS],
      resources: ['arn:aws:athena:eu-west-1:123456789012:workgroup/shadow-rollout-dev'],
    });
    expect(permissions).toContainEqual(
      expect.objectContaining({
        actions: ['glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable'],
        resources: expect.arrayContaining([
          'arn:aws:glue:eu-west-1:123456789012:table/shadow_rollout_dev/records',
          'arn:aws:glue:eu-west-1:123456789012:table/shadow_rollout_dev/outcomes',
        ]),
      }),
    );
    for (const { actions } of permissions)
      expect(actions.some((a) => a.endsWith(':*') || a === '*')).toBe(false);
  });
});

describe('EvidenceDeliveryStream', () => {
  it('partitions lines by day under the relation’s prefix, gzipped, encrypted with the evidence key', () => {
    const stack = bareStack('delivery-stream');
    const bucket = new EvidenceBucket(stack, 'Evidence', BUCKET);
    const stream = new EvidenceDeliveryStream(stack, 'Outcomes', { relation: 'outcomes', bucket });
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'outcomes/dt=!{partitionKeyFromQuery:dt}/',
        ErrorOutputPrefix: Match.stringLikeRegexp('^delivery-errors/outcomes/'),
        CompressionFormat: 'GZIP',
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
        DynamicPartitioningConfiguration: Match.objectLike({ Enabled: true }),
      }),
    });
    // Firehose of another account cannot be made to assume the role.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'firehose.amazonaws.com' },
            Condition: { StringEquals: { 'sts:ExternalId': '123456789012' } },
          }),
        ],
      },
    });
    expect(stream.relation).toBe('outcomes');
  });

  it('lets a function append to this stream only', () => {
    const stack = bareStack('delivery-stream');
    const bucket = new EvidenceBucket(stack, 'Evidence', BUCKET);
    const stream = new EvidenceDeliveryStream(stack, 'Records', { relation: 'records', bucket });
    const writer = lambdaRole(stack);
    stream.grantAppend(writer);
    const template = synthesize(stack);
    expect(permissionsOfRole(template, logicalId(writer))).toEqual([
      {
        effect: 'Allow',
        actions: ['firehose:PutRecordBatch'],
        resources: [`{${logicalId(stream.deliveryStream)}.Arn}`],
      },
    ]);
  });
});
