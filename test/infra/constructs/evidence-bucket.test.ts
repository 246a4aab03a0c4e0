import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EvidenceBucket, NONCURRENT_VERSION_DAYS } from '../../../lib/constructs/evidence-bucket';
import { acknowledgedRules, bareStack, synthesize } from '../support/construct-stack';
import { logicalId, permissionsOfRole, removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

const PROPS = { retentionDays: 90, queryResultRetentionDays: 7 };
const role = (stack: Stack, id: string) =>
  new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com') });

describe('EvidenceBucket', () => {
  it('is private, TLS-only, KMS-encrypted with a rotating key, versioned, logged and kept by default (cdk-nag clean)', () => {
    // Arrange
    const stack = bareStack('evidence-bucket', { nag: true });
    const evidence = new EvidenceBucket(stack, 'Evidence', PROPS);
    evidence.grantDelivery(role(stack, 'Delivery'), 'records');
    // Act
    const template = synthesize(stack);
    // Assert
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
              BucketKeyEnabled: true,
            }),
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'evidence-bucket/' }),
      }),
      // Kept on delete and replacement; a failed first create removes it so the retry succeeds.
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('expires every prefix: lines at the retention, query results sooner, old versions after at most 30 days', () => {
    const stack = bareStack('evidence-bucket');
    new EvidenceBucket(stack, 'Evidence', { ...PROPS, accessLogging: false });
    const template = synthesize(stack);
    const [bucket] = Object.values(template.findResources('AWS::S3::Bucket'));
    const rules = (bucket as { Properties: { LifecycleConfiguration: { Rules: Record<string, unknown>[] } } })
      .Properties.LifecycleConfiguration.Rules;
    const byId = Object.fromEntries(rules.map((r) => [r.Id, r]));
    for (const prefix of ['records', 'outcomes', 'delivery-errors']) {
      expect(byId[`expire-${prefix}`]).toMatchObject({
        Prefix: `${prefix}/`,
        ExpirationInDays: 90,
        NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS },
      });
    }
    expect(byId['expire-query-results']).toMatchObject({ Prefix: 'query-results/', ExpirationInDays: 7 });
    expect(byId['abort-incomplete-uploads']).toMatchObject({
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
  });

  it('takes S3-managed keys only with a reason, recorded as the acknowledgement', () => {
    const stack = bareStack('evidence-bucket');
    expect(() => new EvidenceBucket(stack, 'NoReason', { ...PROPS, encryption: 's3-managed' })).toThrow(
      /needs an encryptionReason/,
    );
    const evidence = new EvidenceBucket(stack, 'Evidence', {
      ...PROPS,
      encryption: 's3-managed',
      encryptionReason: 'dev stage, no personal data',
    });
    expect(evidence.key).toBeUndefined();
    expect(
      acknowledgedRules(evidence.bucket.node.defaultChild as never)[
        'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check'
      ],
    ).toMatch(/dev stage, no personal data/);
  });

  it('grants Firehose one relation’s prefixes and the analysis reads, each through its own policy', () => {
    // Arrange
    const stack = bareStack('evidence-bucket');
    const evidence = new EvidenceBucket(stack, 'Evidence', { ...PROPS, accessLogging: false });
    const delivery = role(stack, 'Delivery');
    const report = role(stack, 'Report');
    // Act
    evidence.grantDelivery(delivery, 'outcomes');
    evidence.grantAnalysis(report);
    const template = synthesize(stack);
    // Assert
    const written = (r: iam.Role) =>
      permissionsOfRole(template, logicalId(r))
        .filter((p) => p.actions.includes('s3:PutObject'))
        .flatMap((p) => p.resources);
    const bucket = `{${logicalId(evidence.bucket)}.Arn}`;
    expect(written(delivery).sort()).toEqual([
      `${bucket}/delivery-errors/outcomes/*`,
      `${bucket}/outcomes/*`,
    ]);
    expect(written(report)).toEqual([`${bucket}/query-results/*`]);
    const everyAction = [delivery, report]
      .flatMap((r) => permissionsOfRole(template, logicalId(r)))
      .flatMap((p) => p.actions);
    expect(everyAction).not.toContain('s3:DeleteObject');
    expect(everyAction).not.toContain('s3:*');
  });
});
