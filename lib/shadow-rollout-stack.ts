import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from './config/stage-config';
import { ComparisonReader } from './constructs/comparison-reader';
import { ComparisonStore } from './constructs/comparison-store';
import { PredictionApi } from './constructs/prediction-api';
import { PredictionRouter } from './constructs/prediction-router';
import { ShadowQueue } from './constructs/shadow-queue';
import { ShadowWorker } from './constructs/shadow-worker';

export interface ShadowRolloutStackProps extends StackProps {
  /** Validated deploy-time configuration of the stage. */
  readonly config: StageConfig;
}

/**
 * One rollout stage: the prediction API and router on the request path, the shadow queue,
 * worker and comparison store off it.
 *
 * Extension points for later features: `api.addLambdaRoute` (outcomes, report), `store`
 * (outcome joins, reports), the functions' `role`s and the queues (alarms, dashboard).
 */
export class ShadowRolloutStack extends Stack {
  readonly api: PredictionApi;
  readonly store: ComparisonStore;
  readonly shadowQueue: ShadowQueue;
  readonly router: PredictionRouter;
  readonly worker: ShadowWorker;
  readonly reader: ComparisonReader;

  constructor(scope: Construct, id: string, props: ShadowRolloutStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logging = {
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    this.store = new ComparisonStore(this, 'ComparisonStore', {
      pointInTimeRecovery: config.pointInTimeRecovery,
      retainData: config.retainData,
    });

    this.shadowQueue = new ShadowQueue(this, 'ShadowQueue', {
      consumerTimeout: Duration.seconds(config.worker.timeoutSeconds),
      consumerBatchingWindow: Duration.seconds(config.worker.maxBatchingWindowSeconds),
      maxReceiveCount: config.queue.maxReceiveCount,
    });

    this.router = new PredictionRouter(this, 'PredictionRouter', {
      stage: config.stage,
      productionEndpoint: config.productionEndpoint,
      candidateEndpoints: config.candidateEndpoints,
      shadowQueue: this.shadowQueue,
      routing: {
        shadowEnabled: config.shadow.enabled,
        shadowSampleRate: config.shadow.sampleRate,
        canaryPercent: config.canaryPercent,
      },
      limits: config.router,
      ...logging,
    });

    this.worker = new ShadowWorker(this, 'ShadowWorker', {
      stage: config.stage,
      candidateEndpoints: config.candidateEndpoints,
      shadowQueue: this.shadowQueue,
      comparisonStore: this.store,
      comparator: config.shadow.comparator,
      captureInput: config.shadow.captureInput,
      recordTtlDays: config.shadow.recordTtlDays,
      limits: config.worker,
      ...logging,
    });

    this.reader = new ComparisonReader(this, 'ComparisonReader', {
      stage: config.stage,
      comparisonStore: this.store,
      ...logging,
    });

    this.api = new PredictionApi(this, 'PredictionApi', {
      stageName: config.stage,
      auth: config.api.auth,
      throttlingRateLimit: config.api.throttlingRateLimit,
      throttlingBurstLimit: config.api.throttlingBurstLimit,
      webAclArn: config.api.webAclArn,
      cloudWatchRole: config.api.cloudWatchRole,
      ...logging,
    });
    this.api.addLambdaRoute('POST', '/predict', this.router.handler.function);
    this.api.addLambdaRoute('GET', '/comparisons/{requestId}', this.reader.handler.function);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the prediction API' });
    new CfnOutput(this, 'ComparisonTableName', {
      value: this.store.table.tableName,
      description: 'DynamoDB table of comparison records',
    });
    new CfnOutput(this, 'ShadowQueueUrl', {
      value: this.shadowQueue.queue.queueUrl,
      description: 'Queue of shadow samples',
    });
    new CfnOutput(this, 'ShadowDeadLetterQueueUrl', {
      value: this.shadowQueue.deadLetterQueue.queueUrl,
      description: 'Shadow samples that failed every attempt',
    });
    if (this.api.apiKey !== undefined) {
      new CfnOutput(this, 'ApiKeyId', {
        value: this.api.apiKey.keyId,
        description:
          'Id of the caller API key (read its value with `aws apigateway get-api-key --include-value`)',
      });
    }
  }
}
