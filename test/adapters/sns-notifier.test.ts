import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsRolloutNotifier } from '../../lambda/adapters/sns-notifier';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:shadow-rollout-prod-alarms';

beforeEach(() => sns.reset());

describe('SNS rollout notifier', () => {
  it('publishes to the alarm topic with a subject SNS accepts (ASCII, at most 100 characters)', async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = new SnsRolloutNotifier(new SNSClient({}), TOPIC);

    // Act
    await notifier.notify({
      subject: `Rollout ROLLED BACK: churn-v2 → ${'x'.repeat(120)}`,
      message: 'why\nevidence',
    });

    // Assert
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.Subject).toHaveLength(100);
    expect(input?.Subject).toMatch(/^Rollout ROLLED BACK: churn-v2 \? x+\.\.\.$/);
    expect(input?.Message).toContain('why\nevidence');
  });
});
