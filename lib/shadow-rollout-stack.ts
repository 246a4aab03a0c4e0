import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { allowedEndpoints, deployTimeRouting } from './config/function-environments';
import { resourceNames } from './config/resource-names';
import type { StageConfig } from './config/stage-config';
import { AnalysisWorkGroup } from './constructs/analysis-workgroup';
import { AutomaticRollback } from './constructs/automatic-rollback';
import { ComparisonReader } from './constructs/comparison-reader';
import { ComparisonTable } from './constructs/comparison-table';
import { LogEncryptionKey } from './constructs/encrypted-log-group';
import { EvidenceBucket } from './constructs/evidence-bucket';
import { EvidenceCatalog } from './constructs/evidence-catalog';
import { EvidenceDeliveryStream } from './constructs/evidence-delivery-stream';
import { OutcomeRecorder } from './constructs/outcome-recorder';
import { PredictionApi } from './constructs/prediction-api';
import { BINARY_MEDIA_TYPES, PredictionRouter } from './constructs/prediction-router';
import { RolloutController } from './constructs/rollout-controller';
import { type MonitoredEndpoint, RolloutMonitoring } from './constructs/rollout-monitoring';
import { RolloutReport } from './constructs/rollout-report';
import { RuntimeConfigTable } from './constructs/runtime-config-table';
import { serviceName } from './constructs/service-function';
import { ShadowQueue } from './constructs/shadow-queue';
import { ShadowWorker } from './constructs/shadow-worker';
import { sizeAlarms } from './monitoring/alarm-sizing';

export interface ShadowRolloutStackProps extends StackProps {
  /** Validated deploy-time configuration of the stage. */
  readonly config: StageConfig;
}

/** The default variant name of a SageMaker endpoint with one production variant. */
export const DEFAULT_VARIANT_NAME = 'AllTraffic';

/** Each deploy-time endpoint with its variants and role (production first). */
export function endpointVariantsOf(config: StageConfig): MonitoredEndpoint[] {
  const variants = (endpoint: string) => config.endpointVariants?.[endpoint] ?? [DEFAULT_VARIANT_NAME];
  return [
    {
      endpointName: config.productionEndpoint,
      variants: variants(config.productionEndpoint),
      role: 'production',
    },
    ...config.candidateEndpoints.map((endpointName) => ({
      endpointName,
      variants: variants(endpointName),
      role: 'candidate' as const,
    })),
  ];
}

/**
 * One rollout stage: the prediction API and router on the request path; the shadow queue,
 * worker and comparison store off it; outcomes and the report on the same store; the runtime
 * config the router reads and the automatic rollback rewrites; alarms and the dashboard.
 */
export class ShadowRolloutStack extends Stack {
  readonly api: PredictionApi;
  readonly store: ComparisonTable;
  readonly runtimeConfig: RuntimeConfigTable;
  readonly shadowQueue: ShadowQueue;
  readonly router: PredictionRouter;
  readonly worker: ShadowWorker;
  readonly reader: ComparisonReader;
  readonly outcomes: OutcomeRecorder;
  readonly report: RolloutReport;
  readonly evidenceBucket: EvidenceBucket;
  readonly recordsDelivery: EvidenceDeliveryStream;
  readonly outcomesDelivery: EvidenceDeliveryStream;
  readonly evidenceCatalog: EvidenceCatalog;
  readonly analysis: AnalysisWorkGroup;
  readonly rollback: AutomaticRollback;
  readonly monitoring: RolloutMonitoring;
  readonly rolloutController: RolloutController;
  /** Key of every log group of the stage. */
  readonly logEncryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ShadowRolloutStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = resourceNames(config.stage);
    // Retained data is kept on delete and on replacement, but a failed first create removes it,
    // so the retry does not fail on what the failed attempt left behind.
    const retention = config.retainData ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
    this.logEncryptionKey = new LogEncryptionKey(this, 'LogEncryption', { removalPolicy: retention }).key;
    const logging = {
      logs: {
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: retention,
        encryptionKey: this.logEncryptionKey,
      },
    };
    const dataProtection = { pointInTimeRecovery: config.pointInTimeRecovery, retainData: config.retainData };

    this.store = new ComparisonTable(this, 'ComparisonStore', {
      tableName: names.comparisonTable,
      ...dataProtection,
    });

    this.runtimeConfig = new RuntimeConfigTable(this, 'RuntimeConfigStore', {
      tableName: names.runtimeConfigTable,
      ...dataProtection,
    });

    this.shadowQueue = new ShadowQueue(this, 'ShadowQueue', {
      queueName: names.shadowQueue,
      retainDeadLetters: config.retainData,
      consumerTimeout: Duration.seconds(config.worker.timeoutSeconds),
      consumerBatchingWindow: Duration.seconds(config.worker.maxBatchingWindowSeconds),
      maxReceiveCount: config.queue.maxReceiveCount,
    });

    const routing = deployTimeRouting(config);

    this.router = new PredictionRouter(this, 'PredictionRouter', {
      stage: config.stage,
      shadowQueue: this.shadowQueue,
      runtimeConfig: this.runtimeConfig,
      routing,
      limits: config.router,
      retainUserKeySalt: config.retainData,
      ...logging,
    });

    this.runtimeConfig.recordDeployment(
      {
        v: 1,
        stage: config.stage,
        stackName: this.stackName,
        deployTime: routing,
        allowedEndpoints: allowedEndpoints(routing),
        guardrails: config.guardrails,
        comparator: config.shadow.comparator,
        comparisonTable: names.comparisonTable,
      },
      logging.logs,
    );

    this.worker = new ShadowWorker(this, 'ShadowWorker', {
      stage: config.stage,
      productionEndpoint: config.productionEndpoint,
      candidateEndpoints: config.candidateEndpoints,
      noiseBaselineRate: config.shadow.noiseBaselineRate,
      shadowQueue: this.shadowQueue,
      comparisonTable: this.store,
      comparator: config.shadow.comparator,
      captureInput: config.shadow.captureInput,
      recordTtlDays: config.shadow.recordTtlDays,
      limits: config.worker,
      ...logging,
    });

    this.reader = new ComparisonReader(this, 'ComparisonReader', {
      stage: config.stage,
      comparisonTable: this.store,
      ...logging,
    });

    this.outcomes = new OutcomeRecorder(this, 'OutcomeRecorder', {
      stage: config.stage,
      comparisonTable: this.store,
      recordTtlDays: config.shadow.recordTtlDays,
      comparator: config.shadow.comparator,
      ...logging,
    });

    this.report = new RolloutReport(this, 'RolloutReport', {
      stage: config.stage,
      comparisonTable: this.store,
      runtimeConfig: this.runtimeConfig,
      deployTimeRouting: routing,
      guardrails: config.guardrails,
      ...logging,
    });

    this.evidenceBucket = new EvidenceBucket(this, 'EvidenceBucket', {
      retentionDays: config.evidence.retentionDays,
      queryResultRetentionDays: config.evidence.queryResultRetentionDays,
      encryption: config.evidence.encryption,
      encryptionReason: config.evidence.encryptionReason,
      versioning: config.evidence.versioning,
      accessLogging: config.evidence.accessLogging,
      retainData: config.retainData,
    });
    const delivery = {
      bucket: this.evidenceBucket,
      bufferingInterval: Duration.seconds(config.evidence.bufferingSeconds),
      ...logging,
    };
    this.recordsDelivery = new EvidenceDeliveryStream(this, 'RecordsDelivery', {
      relation: 'records',
      deliveryStreamName: names.evidenceRecordsStream,
      ...delivery,
    });
    this.outcomesDelivery = new EvidenceDeliveryStream(this, 'OutcomesDelivery', {
      relation: 'outcomes',
      deliveryStreamName: names.evidenceOutcomesStream,
      ...delivery,
    });
    this.evidenceCatalog = new EvidenceCatalog(this, 'EvidenceCatalog', {
      bucket: this.evidenceBucket,
      databaseName: names.evidenceDatabase,
      retentionDays: config.evidence.retentionDays,
    });
    this.analysis = new AnalysisWorkGroup(this, 'Analysis', {
      workGroupName: names.analysisWorkGroup,
      bucket: this.evidenceBucket,
      catalog: this.evidenceCatalog,
      maxBytesScannedPerQuery: config.evidence.maxBytesScannedPerQuery,
      deleteWithStack: !config.retainData,
    });
    this.recordsDelivery.connect(this.worker.handler);
    this.outcomesDelivery.connect(this.outcomes.handler);
    this.analysis.connect(this.report.handler);

    this.rollback = new AutomaticRollback(this, 'AutomaticRollback', {
      stage: config.stage,
      runtimeConfig: this.runtimeConfig,
      deployTimeRouting: routing,
      ...logging,
    });

    this.rolloutController = new RolloutController(this, 'RolloutController', {
      stage: config.stage,
      runtimeConfig: this.runtimeConfig,
      comparisonTable: this.store,
      shadowQueue: this.shadowQueue,
      deployTimeRouting: routing,
      guardrails: config.guardrails,
      breaker: config.rollout.breaker,
      ...logging,
    });
    // Its verdict is the report's: the same queries in the same workgroup.
    this.analysis.connect(this.rolloutController.handler);

    this.api = new PredictionApi(this, 'PredictionApi', {
      stageName: config.stage,
      auth: config.api.auth,
      throttlingRateLimit: config.api.throttlingRateLimit,
      throttlingBurstLimit: config.api.throttlingBurstLimit,
      webAclArn: config.api.webAclArn,
      cloudWatchRole: config.api.cloudWatchRole,
      binaryMediaTypes: BINARY_MEDIA_TYPES,
      ...logging,
    });
    this.api.addLambdaRoute('POST', '/predict', this.router.handler.function);
    this.api.addLambdaRoute('GET', '/comparisons/{requestId}', this.reader.handler.function);
    this.api.addLambdaRoute('POST', '/outcomes', this.outcomes.handler.function);
    this.api.addLambdaRoute('GET', '/report', this.report.handler.function);

    this.monitoring = new RolloutMonitoring(this, 'RolloutMonitoring', {
      serviceName: serviceName(config.stage),
      alarmNamePrefix: names.alarmPrefix,
      dashboardName: names.dashboard,
      alarmTopicName: names.alarmTopic,
      guardrails: config.guardrails,
      alarms: config.alarms,
      alarmEmails: config.alarmEmails,
      alarmHttpsEndpoints: config.alarmHttpsEndpoints,
      alarmSizes: sizeAlarms(config),
      endpoints: endpointVariantsOf(config),
      api: this.api,
      shadowQueue: this.shadowQueue,
      ...(config.router.shadowDispatch === 'after-response'
        ? { answerFirstRouter: this.router.handler.function }
        : {}),
      functions: [
        { name: 'Router', function: this.router.handler.function, severity: 'Critical' },
        { name: 'ShadowWorker', function: this.worker.handler.function, severity: 'Warning' },
        { name: 'ComparisonReader', function: this.reader.handler.function, severity: 'Warning' },
        { name: 'OutcomeRecorder', function: this.outcomes.handler.function, severity: 'Critical' },
        { name: 'RolloutReport', function: this.report.handler.function, severity: 'Warning' },
        { name: 'AutomaticRollback', function: this.rollback.handler.function, severity: 'Critical' },
        // Its failure stops automatic walks, not rollbacks (alarms invoke the rollback function).
        { name: 'RolloutController', function: this.rolloutController.handler.function, severity: 'Warning' },
      ],
      evidenceLog: {
        streams: [
          { name: 'Records', deliveryStreamName: this.recordsDelivery.deliveryStreamName },
          { name: 'Outcomes', deliveryStreamName: this.outcomesDelivery.deliveryStreamName },
        ],
        bufferingInterval: Duration.seconds(config.evidence.bufferingSeconds),
      },
      tables: [
        { name: 'Comparisons', table: this.store.table },
        { name: 'RuntimeConfig', table: this.runtimeConfig.table },
      ],
      automaticRollback: this.rollback.handler.function,
    });

    this.rolloutController.watch({
      alarmTopic: this.monitoring.alarmTopic,
      alarmTopicKey: this.monitoring.alarmTopicKey,
      guardrailAlarms: this.monitoring.guardrails.canaryGuardrailAlarms.map((a) => a.alarm),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the prediction API' });
    new CfnOutput(this, 'ComparisonTableName', {
      value: this.store.table.tableName,
      description: 'DynamoDB table of comparison records',
    });
    new CfnOutput(this, 'RuntimeConfigTableName', {
      value: this.runtimeConfig.table.tableName,
      description: 'DynamoDB table of the runtime routing config (promote, rollback, kill switch)',
    });
    new CfnOutput(this, 'ShadowQueueUrl', {
      value: this.shadowQueue.queue.queueUrl,
      description: 'Queue of shadow samples',
    });
    new CfnOutput(this, 'ShadowDeadLetterQueueUrl', {
      value: this.shadowQueue.deadLetterQueue.queueUrl,
      description: 'Shadow samples that failed every attempt',
    });
    new CfnOutput(this, 'EvidenceBucketName', {
      value: this.evidenceBucket.bucket.bucketName,
      description: 'S3 bucket of the evidence log (records/, outcomes/ by day)',
    });
    new CfnOutput(this, 'AnalysisWorkGroupName', {
      value: this.analysis.workGroupName,
      description: 'Athena workgroup for queries over the evidence log',
    });
    new CfnOutput(this, 'EvidenceDatabaseName', {
      value: this.evidenceCatalog.databaseName,
      description: 'Glue database with the records and outcomes tables',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.alarmTopic.topicArn,
      description: 'SNS topic every alarm notifies (subscribe on-call tools here)',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.monitoring.dashboard.dashboardName,
      description: 'CloudWatch dashboard of the stage',
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
