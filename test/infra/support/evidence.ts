import { QUERY_ACTIONS } from '../../../lib/constructs/analysis-workgroup';
import type { EvidenceDeliveryStream } from '../../../lib/constructs/evidence-delivery-stream';
import { logicalId, type Permission, type SynthesizedStage } from './synth';

/**
 * The exact permissions each function gets on the evidence log, as rendered statements
 * (`{LogicalId.Arn}`, `{AWS::Region}`), for tests asserting a role's whole policy.
 */

const allow = (actions: readonly string[], resources: readonly string[]): Permission => ({
  effect: 'Allow',
  actions: [...actions].sort(),
  resources: [...resources].sort(),
});

const bucketArn = (s: SynthesizedStage): string => `{${logicalId(s.stack.evidenceBucket.bucket)}.Arn}`;

/** The evidence key's use through S3, when the stage encrypts with KMS. */
function keyPermissions(s: SynthesizedStage): Permission[] {
  const key = s.stack.evidenceBucket.key;
  return key === undefined
    ? []
    : [allow(['kms:Decrypt', 'kms:GenerateDataKey'], [`{${logicalId(key)}.Arn}`])];
}

/** A function appending one relation: PutRecordBatch on that relation's stream only. */
export function appendPermissions(stream: EvidenceDeliveryStream): Permission[] {
  return [allow(['firehose:PutRecordBatch'], [`{${logicalId(stream.deliveryStream)}.Arn}`])];
}

const arn = (service: string, resource: string) =>
  `arn:{AWS::Partition}:${service}:{AWS::Region}:{AWS::AccountId}:${resource}`;

/** The report: queries in its workgroup, the evidence tables' definitions, its prefixes. */
export function analysisPermissions(s: SynthesizedStage): Permission[] {
  const database = s.stack.evidenceCatalog.databaseName;
  const bucket = bucketArn(s);
  return [
    allow(QUERY_ACTIONS, [arn('athena', `workgroup/${s.stack.analysis.workGroupName}`)]),
    allow(
      ['glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable'],
      [
        arn('glue', 'catalog'),
        arn('glue', `database/${database}`),
        arn('glue', `table/${database}/records`),
        arn('glue', `table/${database}/outcomes`),
      ],
    ),
    allow(['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], [bucket]),
    allow(['s3:ListBucket'], [bucket]),
    allow(['s3:GetObject'], [`${bucket}/records/*`, `${bucket}/outcomes/*`]),
    allow(
      ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      [`${bucket}/query-results/*`],
    ),
    ...keyPermissions(s),
  ];
}

/** Firehose writing one relation: its own prefixes, its own log stream, the key through S3. */
export function deliveryPermissions(s: SynthesizedStage, stream: EvidenceDeliveryStream): Permission[] {
  const bucket = bucketArn(s);
  const relation = stream.relation;
  return [
    allow(['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], [bucket]),
    allow(
      ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
      [`${bucket}/${relation}/*`, `${bucket}/delivery-errors/${relation}/*`],
    ),
    ...keyPermissions(s),
  ];
}

/** Object patterns (the only wildcards) a role on the evidence log may hold. */
export function evidenceObjectPatterns(s: SynthesizedStage): string[] {
  const bucket = bucketArn(s);
  return ['records', 'outcomes', 'query-results', 'delivery-errors/records', 'delivery-errors/outcomes'].map(
    (prefix) => `${bucket}/${prefix}/*`,
  );
}
