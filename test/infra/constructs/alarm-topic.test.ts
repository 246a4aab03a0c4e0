import { Match } from 'aws-cdk-lib/assertions';
import { AlarmTopic } from '../../../lib/constructs/alarm-topic';
import { bareStack, policyStatements, synthesize } from '../support/construct-stack';
import { removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

describe('AlarmTopic', () => {
  it('encrypts with its own rotating key that CloudWatch alarms of this account may use', () => {
    // Arrange
    const stack = bareStack('alarm-topic', { nag: true });
    new AlarmTopic(stack, 'Alarms', { alarmNamePrefix: 'shadow-rollout-dev' });
    // Act
    const template = synthesize(stack);
    // Assert
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsKey'), 'Arn'] },
    });
    expect(policyStatements(template, 'AWS::KMS::Key')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: 'CloudWatchAlarmsEncryptNotifications',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        }),
        expect.objectContaining({ Sid: 'CreateGrantsForAwsServicesOnly', Effect: 'Deny' }),
      ]),
    );
  });

  it('lets only this stage’s alarms publish, over TLS only', () => {
    const stack = bareStack('alarm-topic');
    new AlarmTopic(stack, 'Alarms', { alarmNamePrefix: 'shadow-rollout-dev' });
    const template = synthesize(stack);
    const statements = policyStatements(template, 'AWS::SNS::TopicPolicy', 'PolicyDocument');
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: 'CloudWatchAlarmsPublish',
          Action: 'sns:Publish',
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: {
              'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shadow-rollout-dev-*',
            },
          },
        }),
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
  });

  it('subscribes each email and HTTPS endpoint, and nobody by default', () => {
    const stack = bareStack('alarm-topic');
    new AlarmTopic(stack, 'Alarms', {
      alarmNamePrefix: 'p',
      emails: ['a@example.com', 'b@example.com'],
      httpsEndpoints: ['https://events.example.com/sns'],
    });
    new AlarmTopic(stack, 'Quiet', { alarmNamePrefix: 'q' });
    const template = synthesize(stack);
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (r) => (r as { Properties: { Protocol: string; Endpoint: string } }).Properties,
    );
    expect(subscriptions.map((s) => [s.Protocol, s.Endpoint]).sort()).toEqual([
      ['email', 'a@example.com'],
      ['email', 'b@example.com'],
      ['https', 'https://events.example.com/sns'],
    ]);
  });
});
