import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EvidenceEncryption } from '../config/stage-config';
import { acknowledgeControlTower } from '../policy/acknowledge';
import { denyGrantsExceptForAwsServices } from './key-policy';

/** The two relations of the log, as the shared SQL names them (and the Glue tables are named). */
export const EVIDENCE_RELATIONS = ['records', 'outcomes'] as const;
export type EvidenceRelation = (typeof EVIDENCE_RELATIONS)[number];

/**
 * Where everything lives in the evidence bucket. Each writer and reader is granted its own
 * prefixes only: Firehose writes one relation (and its delivery errors), the report reads both
 * relations and reads/writes the query results.
 */
export const EVIDENCE_PREFIX = {
  records: 'records/',
  outcomes: 'outcomes/',
  /** Lines Firehose could not deliver or partition, by relation and error type, kept for replay. */
  deliveryErrors: 'delivery-errors/',
  /** Athena query results of the analysis workgroup. */
  queryResults: 'query-results/',
} as const;

/** Days an overwritten or deleted (or expired) object stays recoverable in a versioned bucket. */
export const NONCURRENT_VERSION_DAYS = 30;

export const deliveryErrorPrefix = (relation: EvidenceRelation): string =>
  `${EVIDENCE_PREFIX.deliveryErrors}${relation}/`;

export interface EvidenceBucketProps {
  /** Days lines (and delivery errors) are kept before the lifecycle deletes them. */
  readonly retentionDays: number;
  /** Days Athena query results are kept. */
  readonly queryResultRetentionDays: number;
  /**
   * Customer-managed KMS key (rotated) or S3-managed keys.
   * @default 'kms'
   */
  readonly encryption?: EvidenceEncryption;
  /**
   * Why the stage chose `encryption`; required to choose S3-managed keys, recorded as the
   * acknowledgement of the rules that ask for KMS.
   * @default - none
   */
  readonly encryptionReason?: string;
  /**
   * Keep overwritten and deleted objects as noncurrent versions, recoverable for
   * `NONCURRENT_VERSION_DAYS` (or the retention, when shorter).
   * @default true
   */
  readonly versioning?: boolean;
  /**
   * Server access logs into a log bucket of their own.
   * @default true
   */
  readonly accessLogging?: boolean;
  /**
   * Keep the buckets and the key when the stack is deleted.
   * @default true
   */
  readonly retainData?: boolean;
}

/**
 * The evidence log's storage: one bucket with the records, outcomes, delivery errors and query
 * results under fixed prefixes. Encrypted (KMS with rotation, or S3-managed, per stage), TLS
 * only, public access blocked, ACLs disabled, every prefix expiring by lifecycle.
 */
export class EvidenceBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** The key objects are encrypted with, when the stage uses KMS. */
  readonly key: kms.Key | undefined;
  readonly accessLogBucket: s3.Bucket | undefined;
  private readonly policies = new Map<string, number>();

  constructor(scope: Construct, id: string, props: EvidenceBucketProps) {
    super(scope, id);
    // The log bucket then takes deliveries by bucket policy, not the ACL that
    // BUCKET_OWNER_ENFORCED forbids (without the flag, CDK would fall back to the ACL).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const encryption = props.encryption ?? 'kms';
    const retainData = props.retainData ?? true;
    // Kept on delete and replacement; a failed first create removes it, so the retry succeeds.
    const removalPolicy = retainData ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
    if (encryption === 's3-managed' && (props.encryptionReason ?? '').trim() === '') {
      throw new Error('EvidenceBucket: S3-managed encryption needs an encryptionReason');
    }

    if (encryption === 'kms') {
      this.key = new kms.Key(this, 'Key', {
        description: 'Encrypts the evidence log (records, outcomes) and its query results',
        enableKeyRotation: true,
        removalPolicy,
        pendingWindow: Duration.days(30),
      });
      denyGrantsExceptForAwsServices(this.key);
    }

    if (props.accessLogging ?? true) {
      // S3 delivers server access logs only to a bucket encrypted with S3-managed keys.
      this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy,
        lifecycleRules: [
          { id: 'expire-access-logs', expiration: Duration.days(props.retentionDays) },
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ],
      });
      Validations.of(this.accessLogBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'This is the server access log bucket of the evidence bucket; logging its own accesses would log forever.',
      });
      const logBucket = this.accessLogBucket.node.defaultChild as s3.CfnBucket;
      acknowledgeControlTower(
        logBucket,
        's3_bucket_logging_enabled_check',
        'This is the server access log bucket of the evidence bucket: logging its own accesses would log forever.',
      );
      acknowledgeControlTower(
        logBucket,
        's3_bucket_default_encryption_kms_check',
        'S3 delivers server access logs only to buckets encrypted with S3-managed keys (SSE-S3), not SSE-KMS.',
      );
      acknowledgeControlTower(
        logBucket,
        's3_bucket_versioning_enabled_check',
        'Access log objects are written once by the S3 logging service under unique keys and never overwritten; expiry is the lifecycle.',
      );
      acknowledgeControlTower(
        logBucket,
        's3_bucket_object_lock_enabled_check',
        'Access logs expire with the evidence retention; Object Lock is a one-way bucket setting that would also block deleting a non-production stage.',
      );
    }

    const versioned = props.versioning ?? true;
    const expireLines = Duration.days(props.retentionDays);
    const keepNoncurrent = Duration.days(Math.min(props.retentionDays, NONCURRENT_VERSION_DAYS));
    const lifecycleRules: s3.LifecycleRule[] = [
      ...[EVIDENCE_PREFIX.records, EVIDENCE_PREFIX.outcomes, EVIDENCE_PREFIX.deliveryErrors].map(
        (prefix): s3.LifecycleRule => ({
          id: `expire-${prefix.slice(0, -1)}`,
          prefix,
          expiration: expireLines,
          ...(versioned ? { noncurrentVersionExpiration: keepNoncurrent } : {}),
        }),
      ),
      {
        id: 'expire-query-results',
        prefix: EVIDENCE_PREFIX.queryResults,
        expiration: Duration.days(props.queryResultRetentionDays),
        ...(versioned ? { noncurrentVersionExpiration: Duration.days(1) } : {}),
      },
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ...(versioned ? [{ id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true }] : []),
    ];

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(this.key === undefined
        ? { encryption: s3.BucketEncryption.S3_MANAGED }
        : { encryption: s3.BucketEncryption.KMS, encryptionKey: this.key, bucketKeyEnabled: true }),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned,
      removalPolicy,
      lifecycleRules,
      ...(this.accessLogBucket === undefined
        ? {}
        : { serverAccessLogsBucket: this.accessLogBucket, serverAccessLogsPrefix: 'evidence-bucket/' }),
    });
    // New objects are announced on the default event bus (free for S3's own events): where a
    // compaction or Parquet conversion job would hook in. Set on the resource, since the
    // `eventBridgeEnabled` prop would add a custom-resource Lambda to the stack.
    for (const bucket of [this.bucket, this.accessLogBucket]) {
      if (bucket === undefined) continue;
      (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      };
    }
    const evidenceBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    acknowledgeControlTower(
      evidenceBucket,
      's3_bucket_object_lock_enabled_check',
      'Evidence is append-only by IAM (no role may delete or overwrite it; objects have generated keys) and versioned in prod; Object Lock is a one-way setting that would pin lifecycle and stack deletion.',
    );
    if (this.key === undefined) {
      acknowledgeControlTower(
        evidenceBucket,
        's3_bucket_default_encryption_kms_check',
        `Stage config evidence.encryption=s3-managed: ${props.encryptionReason ?? ''}`,
      );
    }
    if (!versioned) {
      acknowledgeControlTower(
        evidenceBucket,
        's3_bucket_versioning_enabled_check',
        'Stage config evidence.versioning=false (non-production): objects are written once under generated keys, no role may overwrite or delete them, only the lifecycle expires them.',
      );
    }
    if (this.accessLogBucket === undefined) {
      acknowledgeControlTower(
        evidenceBucket,
        's3_bucket_logging_enabled_check',
        'Stage config evidence.accessLogging=false (non-production): only Firehose and the report role can reach the bucket; CloudTrail records management calls.',
      );
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Server access logging is off by stage config (evidence.accessLogging): a non-production stage whose bucket only Firehose and the report role can reach.',
      });
    }
  }

  /** `arn:…:s3:::bucket/<prefix>*`: the objects under one prefix. */
  objectsUnder(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }

  /** The S3 URI of a prefix, for Glue locations and the Athena output location. */
  uriOf(prefix: string): string {
    return `s3://${this.bucket.bucketName}/${prefix}`;
  }

  /**
   * Lets Firehose write one relation's objects (and its delivery errors) and nothing else:
   * multipart puts under those prefixes, the bucket-level calls Firehose makes before writing.
   */
  grantDelivery(role: iam.IRole, relation: EvidenceRelation): iam.Policy {
    const prefixes = [EVIDENCE_PREFIX[relation], deliveryErrorPrefix(relation)];
    return this.policyFor(`Deliver${capitalised(relation)}`, role, prefixes, [
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: prefixes.map((prefix) => this.objectsUnder(prefix)),
      }),
      ...this.keyThroughS3(['kms:Decrypt', 'kms:GenerateDataKey']),
    ]);
  }

  /**
   * Lets the analysis read both relations and read/write its query results, and nothing else:
   * listing is limited to those prefixes by condition.
   */
  grantAnalysis(role: iam.IRole): iam.Policy {
    const readable = [EVIDENCE_PREFIX.records, EVIDENCE_PREFIX.outcomes];
    const all = [...readable, EVIDENCE_PREFIX.queryResults];
    return this.policyFor('Analysis', role, all, [
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': all.map((prefix) => `${prefix}*`) } },
      }),
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: readable.map((prefix) => this.objectsUnder(prefix)),
      }),
      new iam.PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        resources: [this.objectsUnder(EVIDENCE_PREFIX.queryResults)],
      }),
      ...this.keyThroughS3(['kms:Decrypt', 'kms:GenerateDataKey']),
    ]);
  }

  /**
   * One policy per grant, owned here, with the object wildcards of its prefixes acknowledged on
   * it alone: object keys are generated (Firehose, Athena), so a prefix is the narrowest scope.
   */
  private policyFor(id: string, role: iam.IRole, prefixes: string[], statements: iam.PolicyStatement[]) {
    // One policy per grant: a second reader (the rollout controller beside the report) gets its own.
    const count = (this.policies.get(id) ?? 0) + 1;
    this.policies.set(id, count);
    const policy = new iam.Policy(this, count === 1 ? `${id}Policy` : `${id}Policy${count}`, {
      roles: [role],
      statements,
    });
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    const resource = policy.node.defaultChild;
    for (const prefix of prefixes) {
      if (resource === undefined) break;
      Validations.of(resource).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason: `Objects under ${prefix} have generated keys (Firehose, Athena): the prefix is the narrowest resource.`,
      });
    }
    return policy;
  }

  /** The key, when there is one, only as S3 uses it on the caller's behalf. */
  private keyThroughS3(actions: string[]): iam.PolicyStatement[] {
    if (this.key === undefined) return [];
    return [
      new iam.PolicyStatement({
        actions,
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    ];
  }
}

const capitalised = (word: string): string => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
