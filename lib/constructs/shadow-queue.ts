import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { shadowVisibilityTimeoutSeconds } from '../config/stages';

export interface ShadowQueueProps {
  /**
   * Physical name of the shadow queue. The dead-letter queue accepts redrives from this queue
   * only, by ARN, which needs the name before the queue exists.
   */
  readonly queueName: string;
  /**
   * Keep the dead-letter queue (samples that failed every attempt) when the stack is deleted.
   * @default false
   */
  readonly retainDeadLetters?: boolean;
  /** Timeout of the function consuming the queue; the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
  /**
   * Batching window of the consumer's event source, added to the visibility timeout.
   * @default Duration.seconds(0)
   */
  readonly consumerBatchingWindow?: Duration;
  /**
   * Receives before a shadow sample is moved to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unprocessed shadow sample stays useful.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * Carries shadow samples from the router to the shadow worker, off the request path. Encrypted,
 * TLS only, with a dead-letter queue that keeps failed samples for the maximum 14 days.
 */
export class ShadowQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: ShadowQueueProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    const batchingWindow = props.consumerBatchingWindow ?? Duration.seconds(0);

    const queueArn = Stack.of(this).formatArn({
      service: 'sqs',
      resource: props.queueName,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Only the shadow queue may use it as its dead-letter queue (Control Tower CT.SQS.PR.1).
      redriveAllowPolicy: {
        redrivePermission: sqs.RedrivePermission.BY_QUEUE,
        sourceQueues: [sqs.Queue.fromQueueArn(this, 'SourceQueue', queueArn)],
      },
      removalPolicy: props.retainDeadLetters
        ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
        : RemovalPolicy.DESTROY,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the shadow queue.',
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      visibilityTimeout: Duration.seconds(
        shadowVisibilityTimeoutSeconds({
          timeoutSeconds: props.consumerTimeout.toSeconds(),
          maxBatchingWindowSeconds: batchingWindow.toSeconds(),
        }),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
  }

  /** Lets the router send shadow samples, and nothing else. */
  grantSendShadowSamples(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
  }
}
