import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { stages } from '../../../lib/config/stages';
import { AutomaticRollback } from '../../../lib/constructs/automatic-rollback';
import { ComparisonReader } from '../../../lib/constructs/comparison-reader';
import { ComparisonTable } from '../../../lib/constructs/comparison-table';
import { OutcomeRecorder } from '../../../lib/constructs/outcome-recorder';
import { PredictionRouter } from '../../../lib/constructs/prediction-router';
import { RolloutController } from '../../../lib/constructs/rollout-controller';
import { RolloutReport } from '../../../lib/constructs/rollout-report';
import { RuntimeConfigTable } from '../../../lib/constructs/runtime-config-table';
import type { ServiceFunction } from '../../../lib/constructs/service-function';
import { ShadowQueue } from '../../../lib/constructs/shadow-queue';
import { ShadowWorker } from '../../../lib/constructs/shadow-worker';
import { bareStack, synthesize } from '../support/construct-stack';
import { logicalId, permissionsOfRole, removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

// Each function construct in a bare stack with the stores it uses: its role holds exactly what
// its job needs (least privilege), granted by the construct that owns each resource.
const config = stages.staging;
const ROUTING = {
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2', 'Churn-V3'],
  shadowEnabled: true,
  sampleRate: 0.5,
  canaryPercent: 0,
};
const ENDPOINT = (name: string) => `arn:aws:sagemaker:eu-west-1:123456789012:endpoint/${name}`;

function stores(stack: Stack) {
  return {
    queue: new ShadowQueue(stack, 'Queue', { queueName: 'shadow', consumerTimeout: Duration.seconds(30) }),
    comparisons: new ComparisonTable(stack, 'Comparisons'),
    runtimeConfig: new RuntimeConfigTable(stack, 'RuntimeConfig'),
  };
}

/**
 * The function described by `description` keeps analyses in the comparison table: the table in
 * its environment, and GetItem/PutItem there only on `analysis#` keys (never a comparison).
 */
function expectKeepsAnalyses(template: Template, comparisons: ComparisonTable, description: string): void {
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        {
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logicalId(comparisons.table), 'Arn'] },
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['analysis#*'] } },
        },
      ]),
    },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp(description),
    Environment: {
      Variables: Match.objectLike({ ANALYSIS_CACHE_TABLE: { Ref: logicalId(comparisons.table) } }),
    },
  });
}

/** What a function's role may do beyond the two inline policies every function has (own logs, traces). */
function grants(template: Template, handler: ServiceFunction): Record<string, string[]> {
  const granted: Record<string, string[]> = {};
  for (const p of permissionsOfRole(template, logicalId(handler.role))) {
    for (const action of p.actions) {
      if (
        [
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
        ].includes(action)
      )
        continue;
      granted[action] = [...(granted[action] ?? []), ...p.resources].sort();
    }
  }
  return granted;
}

const arnOf = (construct: { node: { defaultChild?: unknown } } | object) =>
  `{${logicalId(construct as never)}.Arn}`;

describe('function constructs', () => {
  it('ServiceFunction (via the comparison reader): Node 24 on arm64, traced, JSON logs into its own group, reads one record', () => {
    const stack = bareStack('functions');
    const { comparisons } = stores(stack);
    const reader = new ComparisonReader(stack, 'Reader', { stage: 'staging', comparisonTable: comparisons });
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logicalId(reader.handler.logGroup) } },
    });
    expect(grants(template, reader.handler)).toEqual({ 'dynamodb:GetItem': [arnOf(comparisons.table)] });
  });

  it('PredictionRouter: invokes the deploy-time endpoints, sends shadow samples, reads the routing and its salt; nothing else', () => {
    const stack = bareStack('functions');
    const { queue, runtimeConfig } = stores(stack);
    const props = {
      stage: 'staging' as const,
      productionEndpoint: ROUTING.productionEndpoint,
      candidateEndpoints: ROUTING.candidateEndpoints,
      shadowQueue: queue,
      runtimeConfig,
      routing: ROUTING,
      limits: config.router,
    };
    const router = new PredictionRouter(stack, 'Router', props);
    const template = synthesize(stack);
    expect(grants(template, router.handler)).toEqual({
      'sagemaker:InvokeEndpoint': [ENDPOINT('churn-v1'), ENDPOINT('churn-v2'), ENDPOINT('churn-v3')].sort(),
      'sqs:SendMessage': [arnOf(queue.queue)],
      'dynamodb:GetItem': [arnOf(runtimeConfig.table)],
      'secretsmanager:GetSecretValue': [`{${logicalId(router.userKeySalt)}}`],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: config.router.reservedConcurrency,
      MemorySize: config.router.memoryMb,
    });
  });

  it('ShadowWorker: consumes the queue in batches reporting item failures, invokes candidates and production, records comparisons', () => {
    const stack = bareStack('functions');
    const { queue, comparisons } = stores(stack);
    const worker = new ShadowWorker(stack, 'Worker', {
      stage: 'staging',
      candidateEndpoints: ['churn-v2'],
      productionEndpoint: 'churn-v1',
      shadowQueue: queue,
      comparisonTable: comparisons,
      comparator: config.shadow.comparator,
      captureInput: false,
      recordTtlDays: 7,
      limits: config.worker,
    });
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: config.worker.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: config.worker.maxConcurrency },
    });
    const granted = grants(template, worker.handler);
    expect(granted['sagemaker:InvokeEndpoint']).toEqual([ENDPOINT('churn-v1'), ENDPOINT('churn-v2')]);
    expect(granted['dynamodb:UpdateItem']).toEqual([arnOf(comparisons.table)]);
    expect(granted['sqs:ReceiveMessage']).toEqual([arnOf(queue.queue)]);
    expect(granted['sqs:SendMessage']).toBeUndefined();
    expect(
      Object.keys(granted)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort(),
    ).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  it('OutcomeRecorder: one UpdateItem on the comparisons; AutomaticRollback: the routing only; RolloutReport: the routing and its kept analyses', () => {
    const stack = bareStack('functions');
    const { comparisons, runtimeConfig } = stores(stack);
    const outcomes = new OutcomeRecorder(stack, 'Outcomes', {
      stage: 'staging',
      comparisonTable: comparisons,
      recordTtlDays: 7,
      comparator: config.shadow.comparator,
    });
    const rollback = new AutomaticRollback(stack, 'Rollback', {
      stage: 'staging',
      runtimeConfig,
      deployTimeRouting: ROUTING,
    });
    const report = new RolloutReport(stack, 'Report', {
      stage: 'staging',
      comparisonTable: comparisons,
      runtimeConfig,
      deployTimeRouting: ROUTING,
      guardrails: config.guardrails,
    });
    const template = synthesize(stack);
    const table = arnOf(runtimeConfig.table);
    expect(grants(template, outcomes.handler)).toEqual({ 'dynamodb:UpdateItem': [arnOf(comparisons.table)] });
    expect(grants(template, rollback.handler)).toEqual({
      'dynamodb:GetItem': [table],
      'dynamodb:PutItem': [table],
    });
    // The report: the routing, and its kept analyses in the comparison table, under `analysis#`
    // keys only (never a comparison).
    expect(grants(template, report.handler)).toEqual({
      'dynamodb:GetItem': [arnOf(comparisons.table), table].sort(),
      'dynamodb:PutItem': [arnOf(comparisons.table)],
    });
    expectKeepsAnalyses(template, comparisons, 'verdict');
    // The report ends before API Gateway's 29 s integration timeout.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('verdict'),
      Timeout: 28,
    });
  });

  it('RolloutController: ticks every minute through its own schedule role; once watching, publishes and reads the guardrail alarms', () => {
    const stack = bareStack('functions');
    const { queue, runtimeConfig, comparisons } = stores(stack);
    const controller = new RolloutController(stack, 'Controller', {
      stage: 'staging',
      runtimeConfig,
      comparisonTable: comparisons,
      shadowQueue: queue,
      deployTimeRouting: ROUTING,
      guardrails: config.guardrails,
      breaker: config.rollout.breaker,
    });
    const topic = new sns.Topic(stack, 'Topic');
    const key = new kms.Key(stack, 'Key');
    const alarm = new cloudwatch.Alarm(stack, 'Guardrail', {
      metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    controller.watch({ alarmTopic: topic, alarmTopicKey: key, guardrailAlarms: [alarm] });
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }),
    });
    expect(permissionsOfRole(template, logicalId(controller.schedulerRole))).toEqual([
      {
        effect: 'Allow',
        actions: ['lambda:InvokeFunction'],
        resources: [arnOf(controller.handler.function)],
      },
    ]);
    const granted = grants(template, controller.handler);
    expect(granted['cloudwatch:DescribeAlarms']).toEqual([arnOf(alarm)]);
    expect(granted['sns:Publish']).toEqual([`{${logicalId(topic)}}`]);
    // The runtime config, and the kept analyses it shares with the report (`analysis#` only).
    expect(granted['dynamodb:PutItem']).toEqual(
      [arnOf(comparisons.table), arnOf(runtimeConfig.table)].sort(),
    );
    expectKeepsAnalyses(template, comparisons, 'progressive rollout');
    expect(Object.keys(granted).sort()).toEqual([
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetMetricData',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
      'sns:Publish',
    ]);
  });
});
