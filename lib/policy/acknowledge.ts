import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Plugin name of the Control Tower proactive controls: the namespace of their rule ids. */
export const CONTROL_TOWER_PLUGIN = 'cdk-validator-cfnguard';

/** Control Tower rules this app acknowledges somewhere (cfn-guard rule names, with their control ids). */
export type ControlTowerRule =
  /** CT.CLOUDWATCH.PR.2: log groups kept at least a year. */
  | 'cloudwatch_log_group_retention_period_check'
  /** CT.LAMBDA.PR.3: functions inside a customer VPC. */
  | 'lambda_inside_vpc_check'
  /** CT.LAMBDA.PR.2: Lambda permissions scoped to an account or a local resource. */
  | 'lambda_function_public_access_prohibited_check'
  /** CT.DYNAMODB.PR.1: point-in-time recovery on tables. */
  | 'dynamodb_table_pitr_enabled_check'
  /** CT.S3.PR.2: server access logging on buckets. */
  | 's3_bucket_logging_enabled_check'
  /** CT.S3.PR.9: S3 Object Lock on buckets. */
  | 's3_bucket_object_lock_enabled_check'
  /** CT.S3.PR.10: default encryption with a KMS key. */
  | 's3_bucket_default_encryption_kms_check'
  /** CT.S3.PR.11: versioning on buckets. */
  | 's3_bucket_versioning_enabled_check'
  /** CT.ATHENA.PR.2: Athena query results encrypted with a KMS key. */
  | 'athena_workgroup_results_encrypted_at_rest_kms_check';

/**
 * Acknowledges one Control Tower control on `scope` (and what it contains), with the reason.
 * The synth fails on any finding that is not acknowledged like this.
 */
export function acknowledgeControlTower(scope: IConstruct, rule: ControlTowerRule, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${CONTROL_TOWER_PLUGIN}::${rule}`, reason });
}
