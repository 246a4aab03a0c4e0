import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ShadowQueue } from '../../../lib/constructs/shadow-queue';
import { bareStack, synthesize } from '../support/construct-stack';
import { logicalId, permissionsOfRole, removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

describe('ShadowQueue', () => {
  it('hides a received sample for six consumer timeouts plus the batching window, then dead-letters it (cdk-nag clean)', () => {
    // Arrange
    const stack = bareStack('shadow-queue', { nag: true });
    // Act
    const queue = new ShadowQueue(stack, 'Shadow', {
      queueName: 'shadow-rollout-dev-shadow',
      consumerTimeout: Duration.seconds(30),
      consumerBatchingWindow: Duration.seconds(5),
      maxReceiveCount: 3,
    });
    const template = synthesize(stack);
    // Assert
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shadow-rollout-dev-shadow',
      VisibilityTimeout: 6 * 30 + 5,
      MessageRetentionPeriod: 4 * 86_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(queue.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 3,
      },
    });
    // The dead-letter queue keeps samples 14 days and takes redrives from the shadow queue only.
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 86_400,
      RedriveAllowPolicy: {
        redrivePermission: 'byQueue',
        sourceQueueArns: ['arn:aws:sqs:eu-west-1:123456789012:shadow-rollout-dev-shadow'],
      },
    });
    expect(queue.maxReceiveCount).toBe(3);
  });

  it('is TLS-only, and the router may only send to it', () => {
    const stack = bareStack('shadow-queue');
    const queue = new ShadowQueue(stack, 'Shadow', { queueName: 'q', consumerTimeout: Duration.seconds(10) });
    const router = new iam.Role(stack, 'Router', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    queue.grantSendShadowSamples(router);
    const template = synthesize(stack);
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
    expect(permissionsOfRole(template, logicalId(router))).toEqual([
      { effect: 'Allow', actions: ['sqs:SendMessage'], resources: [`{${logicalId(queue.queue)}.Arn}`] },
    ]);
  });
});
