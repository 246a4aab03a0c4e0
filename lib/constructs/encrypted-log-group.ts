import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeControlTower } from '../policy/acknowledge';
import { denyGrantsExceptForAwsServices } from './key-policy';

/** Control Tower's CT.CLOUDWATCH.PR.2 minimum: a year. */
export const MIN_AUDITABLE_LOG_RETENTION_DAYS = 365;

/** Where every log group of a stage is kept, encrypted and for how long. */
export interface LogStorage {
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly retention?: logs.RetentionDays;
  /**
   * What happens to the logs when the stack is deleted (or a failed create rolls back).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Customer-managed key the log groups are encrypted with.
   * @default - CloudWatch Logs' own encryption (Control Tower's CT.CLOUDWATCH.PR.3 fails)
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The customer-managed key of a stage's log groups. CloudWatch Logs may use it only for log
 * groups of this account and region; grants only for AWS services.
 */
export class LogEncryptionKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: { readonly removalPolicy: RemovalPolicy }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the CloudWatch log groups of ${stack.stackName}`,
      enableKeyRotation: true,
      // Retained logs must stay readable: the key lives exactly as long as they do.
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    denyGrantsExceptForAwsServices(this.key);
  }
}

/**
 * A log group kept and encrypted as the stage says. A retention under a year is acknowledged
 * against Control Tower's control with the reason: the stage chose it (non-production).
 */
export function encryptedLogGroup(scope: Construct, id: string, storage: LogStorage): logs.LogGroup {
  const retention = storage.retention ?? logs.RetentionDays.ONE_MONTH;
  const group = new logs.LogGroup(scope, id, {
    retention,
    removalPolicy: storage.removalPolicy ?? RemovalPolicy.DESTROY,
    encryptionKey: storage.encryptionKey,
  });
  if (retention !== logs.RetentionDays.INFINITE && retention < MIN_AUDITABLE_LOG_RETENTION_DAYS) {
    acknowledgeControlTower(
      group,
      'cloudwatch_log_group_retention_period_check',
      `Stage config logRetentionDays=${retention}: a non-production stage keeps its logs shorter than a year on purpose (cost, no audit duty); prod keeps them ${MIN_AUDITABLE_LOG_RETENTION_DAYS} days.`,
    );
  }
  return group;
}
