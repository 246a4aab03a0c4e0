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
  | 'dynamodb_table_pitr_enabled_check';

/**
 * Acknowledges one Control Tower control on `scope` (and what it contains), with the reason.
 * The synth fails on any finding that is not acknowledged like this.
 */
export function acknowledgeControlTower(scope: IConstruct, rule: ControlTowerRule, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${CONTROL_TOWER_PLUGIN}::${rule}`, reason });
}
