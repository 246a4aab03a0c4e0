import { Match } from 'aws-cdk-lib/assertions';
import { EnvName } from '../../lambda/configuration/env-names';
import { resourceNames } from '../../lib/config/resource-names';
import type { Stage, StageConfig } from '../../lib/config/stage-config';
import { stages } from '../../lib/config/stages';
import { ATHENA_ENGINE_VERSION } from '../../lib/constructs/analysis-workgroup';
import {
  EVIDENCE_PREFIX,
  EVIDENCE_RELATIONS,
  type EvidenceRelation,
  NONCURRENT_VERSION_DAYS,
} from '../../lib/constructs/evidence-bucket';
import { COLUMNS_OF, GLUE_TYPE, JSON_SERDE } from '../../lib/constructs/evidence-catalog';
import {
  DELIVERY_BUFFER_MIB,
  EVIDENCE_FILE_EXTENSION,
  type EvidenceDeliveryStream,
} from '../../lib/constructs/evidence-delivery-stream';
import { deliveryPermissions } from './support/evidence';
import { stageConfigRefusal } from './support/stage-config';
import {
  allPermissions,
  byJson,
  deployableConfig,
  logicalId,
  permissionsOfRole,
  render,
  type SynthesizedStage,
  synthesizedOnce,
} from './support/synth';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  DependsOn?: string[];
};

// One synth per encryption mode: dev (S3-managed, no versioning or access logs) and prod (KMS,
// versioned, access-logged). Staging takes prod's path (asserted on its config below).
const CASES = ['dev', 'prod'] as const satisfies readonly Stage[];
const synthOf = synthesizedOnce(() =>
  Object.fromEntries(CASES.map((stage) => [stage, deployableConfig(stage)])),
);

function resource(s: SynthesizedStage, id: string): Resource {
  const found = (s.template.toJSON().Resources as Record<string, Resource>)[id];
  if (found === undefined) throw new Error(`no resource ${id}`);
  return found;
}

/** Glue's projection placeholder for the partition value in a path. */
const DT_PLACEHOLDER = '$' + '{dt}';

const ref = (construct: Parameters<typeof logicalId>[0]) => ({ Ref: logicalId(construct) });
const arnOf = (construct: Parameters<typeof logicalId>[0]) => ({
  'Fn::GetAtt': [logicalId(construct), 'Arn'],
});

function streamOf(s: SynthesizedStage, relation: EvidenceRelation): EvidenceDeliveryStream {
  return relation === 'records' ? s.stack.recordsDelivery : s.stack.outcomesDelivery;
}

it('staging encrypts, versions and logs like prod, so the KMS path is proven before prod', () => {
  expect(stages.staging.evidence.encryption).toBe('kms');
  expect(stages.prod.evidence.encryption).toBe('kms');
  expect(stages.prod.evidence.versioning).toBe(true);
  expect(stages.prod.evidence.accessLogging && stages.staging.evidence.accessLogging).toBe(true);
});

describe.each(CASES)('evidence log for stage %s', (stage) => {
  const config: StageConfig = stages[stage];
  const names = resourceNames(stage);
  let s: SynthesizedStage;
  beforeAll(() => {
    s = synthOf(stage);
  });

  const bucketProps = () => resource(s, logicalId(s.stack.evidenceBucket.bucket)).Properties;

  describe('bucket', () => {
    it(`is encrypted with ${config.evidence.encryption === 'kms' ? 'a rotated KMS key' : 'S3-managed keys'}`, () => {
      const key = s.stack.evidenceBucket.key;
      if (config.evidence.encryption === 'kms') {
        expect(key).toBeDefined();
        if (key === undefined) return;
        expect(bucketProps().BucketEncryption).toEqual({
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(key) },
            },
          ],
        });
        expect(resource(s, logicalId(key)).Properties).toMatchObject({ EnableKeyRotation: true });
      } else {
        expect(key).toBeUndefined();
        expect(bucketProps().BucketEncryption).toEqual({
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        });
      }
    });

    it('announces new objects on EventBridge without a custom resource', () => {
      expect(bucketProps().NotificationConfiguration).toEqual({
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
      s.template.resourceCountIs('Custom::S3BucketNotifications', 0);
    });

    it('keeps its key for AWS services: no grant for anyone else', () => {
      const key = s.stack.evidenceBucket.key;
      if (key === undefined) return;
      const policy = resource(s, logicalId(key)).Properties.KeyPolicy as {
        Statement: Record<string, unknown>[];
      };
      expect(policy.Statement).toContainEqual({
        Sid: 'CreateGrantsForAwsServicesOnly',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      });
    });

    it('blocks public access, disables ACLs and denies anything but TLS 1.2+', () => {
      expect(bucketProps()).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      const bucketId = logicalId(s.stack.evidenceBucket.bucket);
      const policies = Object.values(s.template.findResources('AWS::S3::BucketPolicy')) as Resource[];
      const policy = policies.find((p) => render(p.Properties.Bucket) === `{${bucketId}}`);
      if (policy === undefined) throw new Error('no bucket policy on the evidence bucket');
      const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      const everything = [`{${bucketId}.Arn}`, `{${bucketId}.Arn}/*`];
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      );
      for (const deny of statements.filter((st) => st.Effect === 'Deny')) {
        expect((deny.Resource as unknown[]).map(render).sort()).toEqual(everything);
      }
      // Nothing in the bucket policy grants access: roles get it through their own policies.
      expect(statements.filter((st) => st.Effect === 'Allow')).toEqual([]);
    });

    it(`is ${config.evidence.versioning ? '' : 'not '}versioned and expires every prefix after the stage's retention`, () => {
      const props = bucketProps();
      if (config.evidence.versioning) expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      else expect(props.VersioningConfiguration).toBeUndefined();
      const rules = (props.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
      const byPrefix = new Map(rules.filter((r) => r.Prefix !== undefined).map((r) => [r.Prefix, r]));
      const retention = config.evidence.retentionDays;
      for (const prefix of [
        EVIDENCE_PREFIX.records,
        EVIDENCE_PREFIX.outcomes,
        EVIDENCE_PREFIX.deliveryErrors,
      ]) {
        expect(byPrefix.get(prefix)).toMatchObject({ Status: 'Enabled', ExpirationInDays: retention });
        if (config.evidence.versioning) {
          expect(byPrefix.get(prefix)).toMatchObject({
            NoncurrentVersionExpiration: { NoncurrentDays: Math.min(retention, NONCURRENT_VERSION_DAYS) },
          });
        }
      }
      expect(byPrefix.get(EVIDENCE_PREFIX.queryResults)).toMatchObject({
        ExpirationInDays: config.evidence.queryResultRetentionDays,
      });
      expect(rules).toContainEqual(
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        }),
      );
    });

    it(`is ${config.retainData ? 'kept' : 'deleted'} with the stack, with its key`, () => {
      // Kept on delete and replacement, removed by a failed first create (so the retry succeeds).
      const policy = config.retainData ? 'RetainExceptOnCreate' : 'Delete';
      expect(resource(s, logicalId(s.stack.evidenceBucket.bucket)).DeletionPolicy).toBe(policy);
      const key = s.stack.evidenceBucket.key;
      if (key !== undefined) expect(resource(s, logicalId(key)).DeletionPolicy).toBe(policy);
    });

    it(`${config.evidence.accessLogging ? 'logs' : 'does not log'} server access`, () => {
      const logBucket = s.stack.evidenceBucket.accessLogBucket;
      if (!config.evidence.accessLogging) {
        expect(logBucket).toBeUndefined();
        expect(bucketProps().LoggingConfiguration).toBeUndefined();
        s.template.resourceCountIs('AWS::S3::Bucket', 1);
        return;
      }
      if (logBucket === undefined) throw new Error('no access log bucket');
      expect(bucketProps().LoggingConfiguration).toEqual({
        DestinationBucketName: ref(logBucket),
        LogFilePrefix: 'evidence-bucket/',
      });
      const logProps = resource(s, logicalId(logBucket)).Properties;
      // S3 delivers access logs only into SSE-S3 buckets; ACLs stay disabled (delivery by policy).
      expect(logProps).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      expect(logProps.AccessControl).toBeUndefined();
      s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(logBucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'logging.s3.amazonaws.com' },
              Action: 's3:PutObject',
              Condition: Match.objectLike({
                ArnLike: { 'aws:SourceArn': arnOf(s.stack.evidenceBucket.bucket) },
              }),
            }),
          ]),
        },
      });
    });
  });

  describe.each(EVIDENCE_RELATIONS)('delivery stream of %s', (relation) => {
    const streamProps = () => resource(s, logicalId(streamOf(s, relation).deliveryStream)).Properties;
    const destination = () => streamProps().ExtendedS3DestinationConfiguration as Record<string, unknown>;

    it('is a Direct PUT stream with server-side encryption, named for the stage', () => {
      expect(streamProps()).toMatchObject({
        DeliveryStreamName:
          relation === 'records' ? names.evidenceRecordsStream : names.evidenceOutcomesStream,
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      });
    });

    it("writes gzipped JSON lines under <relation>/dt=<the line's own dt>/, failures under delivery-errors/", () => {
      expect(destination()).toMatchObject({
        BucketARN: arnOf(s.stack.evidenceBucket.bucket),
        Prefix: `${relation}/dt=!{partitionKeyFromQuery:dt}/`,
        ErrorOutputPrefix: `delivery-errors/${relation}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        CompressionFormat: 'GZIP',
        FileExtension: EVIDENCE_FILE_EXTENSION,
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'MetadataExtraction',
              Parameters: [
                { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{dt: .dt}' },
                { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
              ],
            },
          ],
        },
      });
      // No delimiter processor: the adapter ends every line with a newline itself.
      expect(JSON.stringify(destination())).not.toContain('AppendDelimiterToRecord');
    });

    it("buffers for the stage's interval, encrypts objects with the bucket's key and logs delivery errors", () => {
      expect(destination().BufferingHints).toEqual({
        IntervalInSeconds: config.evidence.bufferingSeconds,
        SizeInMBs: DELIVERY_BUFFER_MIB,
      });
      const key = s.stack.evidenceBucket.key;
      expect(destination().EncryptionConfiguration).toEqual(
        key === undefined
          ? { NoEncryptionConfig: 'NoEncryption' }
          : { KMSEncryptionConfig: { AWSKMSKeyARN: arnOf(key) } },
      );
      expect(destination().CloudWatchLoggingOptions).toEqual({
        Enabled: true,
        LogGroupName: ref(streamOf(s, relation).logGroup),
        LogStreamName: expect.objectContaining({ Ref: expect.any(String) }),
      });
      s.template.hasResourceProperties('AWS::Logs::LogGroup', {
        RetentionInDays: config.logRetentionDays,
      });
    });

    it('assumes a role only Firehose of this account may assume, created (with its policies) before the stream', () => {
      const stream = streamOf(s, relation);
      expect(resource(s, logicalId(stream.role)).Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'firehose.amazonaws.com' },
            Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
          },
        ],
      });
      const dependsOn = resource(s, logicalId(stream.deliveryStream)).DependsOn ?? [];
      const policies = Object.entries(s.template.findResources('AWS::IAM::Policy'))
        .filter(([, p]) =>
          (p.Properties.Roles as unknown[]).some((r) => render(r) === `{${logicalId(stream.role)}}`),
        )
        .map(([id]) => id);
      expect(policies.length).toBeGreaterThan(0);
      expect(dependsOn).toEqual(expect.arrayContaining([logicalId(stream.role), ...policies]));
    });

    it("may write its own relation's prefixes and its own log stream, nothing else", () => {
      const stream = streamOf(s, relation);
      const permissions = permissionsOfRole(s.template, logicalId(stream.role));
      const logStream = permissions.filter((p) => p.actions.includes('logs:PutLogEvents'));
      expect(logStream).toEqual([
        {
          effect: 'Allow',
          actions: ['logs:PutLogEvents'],
          resources: [
            expect.stringMatching(
              new RegExp(`:log-group:\\{${logicalId(stream.logGroup)}\\}:log-stream:\\{[A-Za-z0-9]+\\}$`),
            ),
          ],
        },
      ]);
      expect(permissions.filter((p) => !p.actions.includes('logs:PutLogEvents'))).toEqual(
        deliveryPermissions(s, stream).sort(byJson),
      );
    });

    it('uses the key only through S3', () => {
      const key = s.stack.evidenceBucket.key;
      if (key === undefined) return;
      const stream = streamOf(s, relation);
      const roleId = logicalId(stream.role);
      const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((p) =>
        (p.Properties.Roles as unknown[]).some((r) => render(r) === `{${roleId}}`),
      );
      const kmsStatements = policies.flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as Record<string, unknown>[]).filter((st) =>
          JSON.stringify(st.Action).includes('kms:'),
        ),
      );
      expect(kmsStatements).toHaveLength(1);
      const condition = (kmsStatements[0]?.Condition ?? {}) as Record<string, Record<string, unknown>>;
      expect(render(condition.StringEquals?.['kms:ViaService'])).toBe('s3.{AWS::Region}.amazonaws.com');
    });
  });

  describe('catalog', () => {
    it(`is the Glue database ${names.evidenceDatabase} with a table per relation, named as the SQL names them`, () => {
      s.template.hasResourceProperties('AWS::Glue::Database', {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: Match.objectLike({ Name: names.evidenceDatabase }),
      });
      const tables = Object.values(s.template.findResources('AWS::Glue::Table')) as Resource[];
      expect(tables.map((t) => (t.Properties.TableInput as { Name: string }).Name).sort()).toEqual(
        [...EVIDENCE_RELATIONS].sort(),
      );
      for (const table of tables) {
        expect(table.Properties.DatabaseName).toBe(names.evidenceDatabase);
        expect(table.DependsOn).toContain(logicalId(s.stack.evidenceCatalog.database));
      }
    });

    describe.each(EVIDENCE_RELATIONS)('table %s', (relation) => {
      const input = () =>
        resource(s, logicalId(s.stack.evidenceCatalog.tables[relation])).Properties.TableInput as {
          Parameters: Record<string, string>;
          PartitionKeys: { Name: string; Type: string }[];
          StorageDescriptor: {
            Location: unknown;
            Columns: { Name: string; Type: string }[];
            SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
            Compressed: boolean;
            InputFormat: string;
          };
          TableType: string;
        };

      it('has one column per line field (lower case, as Athena names them) and dt as the partition', () => {
        const expected = Object.entries(COLUMNS_OF[relation]).map(([name, type]) => ({
          Name: name.toLowerCase(),
          Type: GLUE_TYPE[type],
        }));
        expect(input().StorageDescriptor.Columns).toEqual(expected);
        expect(input().PartitionKeys).toEqual([expect.objectContaining({ Name: 'dt', Type: 'string' })]);
        expect(input().StorageDescriptor.Columns.map((c) => c.Name)).not.toContain('dt');
      });

      it('reads gzipped JSON lines with the case-insensitive JSON SerDe, failing on a malformed line', () => {
        expect(input().TableType).toBe('EXTERNAL_TABLE');
        expect(input().StorageDescriptor).toMatchObject({
          Compressed: true,
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          SerdeInfo: {
            SerializationLibrary: JSON_SERDE,
            Parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE' },
          },
        });
      });

      it('projects one dt partition per day of the retention, at the path Firehose writes', () => {
        const bucketId = logicalId(s.stack.evidenceBucket.bucket);
        const params = input().Parameters;
        expect(params).toMatchObject({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `NOW-${config.evidence.retentionDays}DAYS,NOW+1DAYS`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
        });
        expect(render(input().StorageDescriptor.Location)).toBe(`s3://{${bucketId}}/${relation}/`);
        const template = render(params['storage.location.template']);
        expect(template).toBe(`s3://{${bucketId}}/${relation}/dt=${DT_PLACEHOLDER}/`);
        // The same path as the stream's prefix with the partition key in place of ${dt}.
        const streamPrefix = (
          resource(s, logicalId(streamOf(s, relation).deliveryStream)).Properties
            .ExtendedS3DestinationConfiguration as { Prefix: string }
        ).Prefix;
        expect(
          template.replace(`s3://{${bucketId}}/`, '').replace(DT_PLACEHOLDER, '!{partitionKeyFromQuery:dt}'),
        ).toBe(streamPrefix);
      });
    });
  });

  describe('analysis workgroup', () => {
    const workGroup = () => resource(s, logicalId(s.stack.analysis.workGroup)).Properties;

    it('enforces its settings: engine 3, encrypted results under query-results/, the scan cutoff, metrics', () => {
      const key = s.stack.evidenceBucket.key;
      expect(workGroup()).toMatchObject({
        Name: names.analysisWorkGroup,
        State: 'ENABLED',
        RecursiveDeleteOption: !config.retainData,
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: config.evidence.maxBytesScannedPerQuery,
          PublishCloudWatchMetricsEnabled: true,
          RequesterPaysEnabled: false,
          EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION },
          ResultConfiguration: {
            ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
            EncryptionConfiguration:
              key === undefined
                ? { EncryptionOption: 'SSE_S3' }
                : { EncryptionOption: 'SSE_KMS', KmsKey: arnOf(key) },
          },
        },
      });
      const results = (
        workGroup().WorkGroupConfiguration as { ResultConfiguration: { OutputLocation: unknown } }
      ).ResultConfiguration.OutputLocation;
      expect(render(results)).toBe(`s3://{${logicalId(s.stack.evidenceBucket.bucket)}}/query-results/`);
    });
  });

  describe('functions', () => {
    const envOf = (fn: 'worker' | 'outcomes' | 'report') => {
      const handler = s.stack[fn].handler;
      return (
        resource(s, logicalId(handler.function)).Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
    };

    it('the worker and the outcomes function find their own stream, the report its workgroup and database', () => {
      expect(envOf('worker')[EnvName.evidenceStreamName]).toEqual(
        ref(s.stack.recordsDelivery.deliveryStream),
      );
      expect(envOf('outcomes')[EnvName.evidenceStreamName]).toEqual(
        ref(s.stack.outcomesDelivery.deliveryStream),
      );
      expect(envOf('report')).not.toHaveProperty(EnvName.evidenceStreamName);
      expect(envOf('report')).toMatchObject({
        [EnvName.analysisWorkGroup]: names.analysisWorkGroup,
        [EnvName.analysisDatabase]: names.evidenceDatabase,
      });
    });

    it('only the worker and outcomes roles may append, each to its own stream; only the report and the rollout controller may query', () => {
      const holders = (pattern: RegExp) =>
        Object.keys(s.template.findResources('AWS::IAM::Role')).filter((roleId) =>
          permissionsOfRole(s.template, roleId).some((p) => p.actions.some((a) => pattern.test(a))),
        );
      expect(holders(/^firehose:/).sort()).toEqual(
        [logicalId(s.stack.worker.handler.role), logicalId(s.stack.outcomes.handler.role)].sort(),
      );
      const readers = [
        logicalId(s.stack.report.handler.role),
        logicalId(s.stack.rolloutController.handler.role),
      ];
      expect(holders(/^(athena|glue):/).sort()).toEqual(readers.sort());
      // Firehose's own roles and the two readers are the only ones touching the bucket.
      expect(holders(/^s3:/).sort()).toEqual(
        [
          logicalId(s.stack.recordsDelivery.role),
          logicalId(s.stack.outcomesDelivery.role),
          ...readers,
        ].sort(),
      );
    });

    it('no role may delete evidence, change the bucket or use S3 with a wildcard action', () => {
      const actions = allPermissions(s.template).flatMap((p) => p.actions);
      expect(
        actions.filter((a) => /^s3:(Delete|PutBucket|PutLifecycle|PutEncryption|\*)|^s3:.*\*$/.test(a)),
      ).toEqual([]);
      expect(
        actions.filter((a) =>
          /^(athena|glue|firehose|kms):\*$|^(athena|glue):(Create|Delete|Update)/.test(a),
        ),
      ).toEqual([]);
    });
  });
});

describe('evidence settings', () => {
  it('are validated with the rest of the stage, every problem listed', () => {
    const broken: StageConfig = {
      ...stages.dev,
      evidence: {
        ...stages.dev.evidence,
        retentionDays: 0,
        encryptionReason: 'cheap',
        bufferingSeconds: 30,
        maxBytesScannedPerQuery: 1_000_000,
        queryResultRetentionDays: 40,
      },
    };
    const message = stageConfigRefusal(broken);
    for (const problem of [
      'evidence.retentionDays must be a whole number in [1, 3650]',
      'evidence.encryptionReason must say why',
      'evidence.bufferingSeconds must be a whole number in [60, 900]',
      'evidence.maxBytesScannedPerQuery must be a whole number of bytes, at least 10000000',
      'evidence.queryResultRetentionDays must be a whole number in [1, evidence.retentionDays]',
    ]) {
      expect(message).toContain(problem);
    }
  });

  it('keep evidence at least as long as the DynamoDB records in every stage', () => {
    for (const stage of ['dev', 'staging', 'prod'] as const) {
      expect(stages[stage].evidence.retentionDays).toBeGreaterThanOrEqual(stages[stage].shadow.recordTtlDays);
    }
  });
});
