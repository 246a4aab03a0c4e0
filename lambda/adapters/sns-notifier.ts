import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { RolloutNotification, RolloutNotifier } from '../use-cases/rollout/ports';

/** SNS allows subjects of at most 100 printable ASCII characters, no line breaks. */
const MAX_SUBJECT = 100;

/** Rollout notifications on the stage's alarm topic, next to the alarms on-call already receives. */
export class SnsRolloutNotifier implements RolloutNotifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(notification: RolloutNotification): Promise<void> {
    const subject = notification.subject.replace(/[^\x20-\x7E]/g, '?');
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 3)}...` : subject,
        Message: `${notification.subject}\n\n${notification.message}`,
      }),
    );
  }
}
