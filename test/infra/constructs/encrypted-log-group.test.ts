import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  encryptedLogGroup,
  LogEncryptionKey,
  MIN_AUDITABLE_LOG_RETENTION_DAYS,
} from '../../../lib/constructs/encrypted-log-group';
import { acknowledgedRules, bareStack, policyStatements, synthesize } from '../support/construct-stack';
import { removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

const RETENTION_RULE = 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check';

describe('encryptedLogGroup', () => {
  it('keeps logs a month by default and destroys them with the stack', () => {
    const stack = bareStack('log-group');
    const group = encryptedLogGroup(stack, 'Logs', {});
    const template = synthesize(stack);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
    });
    // Shorter than a year: acknowledged against Control Tower with the reason.
    expect(acknowledgedRules(group)[RETENTION_RULE]).toMatch(/logRetentionDays=30/);
  });

  it('encrypts with the stage’s key, retains as told, and needs no acknowledgement for a year', () => {
    const stack = bareStack('log-group');
    const { key } = new LogEncryptionKey(stack, 'LogKey', { removalPolicy: RemovalPolicy.RETAIN });
    const group = encryptedLogGroup(stack, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
      encryptionKey: key,
    });
    const template = synthesize(stack);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        RetentionInDays: MIN_AUDITABLE_LOG_RETENTION_DAYS,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogKey'), 'Arn'] },
      },
      DeletionPolicy: 'Retain',
    });
    expect(acknowledgedRules(group)[RETENTION_RULE]).toBeUndefined();
  });
});

describe('LogEncryptionKey', () => {
  it('lets CloudWatch Logs use it for this account’s and region’s log groups only, and lives as long as the logs', () => {
    const stack = bareStack('log-key');
    new LogEncryptionKey(stack, 'LogKey', { removalPolicy: RemovalPolicy.RETAIN });
    const template = synthesize(stack);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 },
      DeletionPolicy: 'Retain',
    });
    expect(policyStatements(template, 'AWS::KMS::Key')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: 'CloudWatchLogsEncryptLogGroups',
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*',
            },
          },
        }),
        expect.objectContaining({
          Sid: 'CreateGrantsForAwsServicesOnly',
          Effect: 'Deny',
          Action: 'kms:CreateGrant',
          Condition: {
            BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
          },
        }),
      ]),
    );
  });
});
