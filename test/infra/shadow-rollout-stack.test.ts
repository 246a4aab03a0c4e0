import { Match } from 'aws-cdk-lib/assertions';
import { EnvName } from '../../lambda/configuration/env-names';
import {
  allowedEndpoints,
  deployTimeRouting,
  maxStoredBodyBytes,
} from '../../lambda/configuration/function-settings';
import { parseDeploymentRecord } from '../../lambda/core/deployment-record';
import { METRICS_NAMESPACE } from '../../lambda/core/metric-names';
import { AFTER_RESPONSE_DISPATCH_BUDGET_MS } from '../../lambda/core/shadow-dispatch';
import { resourceNames } from '../../lib/config/resource-names';
import { STAGES, type Stage, type StageConfig } from '../../lib/config/stage-config';
import { stages, VISIBILITY_TIMEOUT_FACTOR } from '../../lib/config/stages';
import { ComparisonTable } from '../../lib/constructs/comparison-table';
import { GATEWAY_ERROR_TEMPLATE } from '../../lib/constructs/prediction-api';
import { BINARY_MEDIA_TYPES } from '../../lib/constructs/prediction-router';
import { REPORT_TIMEOUT } from '../../lib/constructs/rollout-report';
import { RuntimeConfigTable } from '../../lib/constructs/runtime-config-table';
import type { ServiceFunction } from '../../lib/constructs/service-function';
import { analysisPermissions, appendPermissions, evidenceObjectPatterns } from './support/evidence';
import {
  allPermissions,
  byJson,
  deployableConfig,
  logicalId,
  type Permission,
  permissionsOfRole,
  render,
  type SynthesizedStage,
  sagemakerEndpointArn,
  synthConfig,
  synthesizedOnce,
  synthFromContext,
} from './support/synth';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

// One app, one synth for the three stages.
const synthOf = synthesizedOnce(
  () =>
    Object.fromEntries(STAGES.map((stage) => [stage, deployableConfig(stage)])) as Record<Stage, StageConfig>,
);

function resourcesOfType(s: SynthesizedStage, type: string): Record<string, Resource> {
  return s.template.findResources(type) as Record<string, Resource>;
}

type FunctionName = 'router' | 'worker' | 'reader' | 'outcomes' | 'report' | 'rollback' | 'rolloutController';
const FUNCTION_NAMES: readonly FunctionName[] = [
  'router',
  'worker',
  'reader',
  'outcomes',
  'report',
  'rollback',
  'rolloutController',
];

function handlerOf(s: SynthesizedStage, fn: FunctionName): ServiceFunction {
  const { router, worker, reader, outcomes, report, rollback, rolloutController } = s.stack;
  return { router, worker, reader, outcomes, report, rollback, rolloutController }[fn].handler;
}

function functionProps(s: SynthesizedStage, fn: FunctionName): Record<string, unknown> {
  const resource = resourcesOfType(s, 'AWS::Lambda::Function')[logicalId(handlerOf(s, fn).function)];
  if (resource === undefined) throw new Error(`no ${fn} function`);
  return resource.Properties;
}

function envOf(s: SynthesizedStage, fn: FunctionName): Record<string, unknown> {
  return (functionProps(s, fn).Environment as { Variables: Record<string, unknown> }).Variables;
}

function permissionsOf(s: SynthesizedStage, fn: FunctionName): Permission[] {
  return permissionsOfRole(s.template, logicalId(handlerOf(s, fn).role));
}

/** The permissions every service function starts with: its own log group, X-Ray. */
function basePermissions(s: SynthesizedStage, fn: FunctionName): Permission[] {
  return [
    {
      effect: 'Allow',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`{${logicalId(handlerOf(s, fn).logGroup)}.Arn}`],
    },
    { effect: 'Allow', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] },
  ];
}

const tableArn = (s: SynthesizedStage, table: 'comparisons' | 'runtimeConfig'): string =>
  `{${logicalId(table === 'comparisons' ? s.stack.store.table : s.stack.runtimeConfig.table)}.Arn}`;

const allow = (actions: string[], resources: string[]): Permission => ({
  effect: 'Allow',
  actions: [...actions].sort(),
  resources: [...resources].sort(),
});

describe.each(STAGES)('stack for stage %s', (stage) => {
  const config: StageConfig = deployableConfig(stage);
  let s: SynthesizedStage;
  beforeAll(() => {
    s = synthOf(stage);
  });

  it('is named after the stage, tagged, and termination-protected exactly when data is retained', () => {
    expect(s.stack.stackName).toBe(`ShadowRollout-${stage}`);
    expect(s.stack.tags.tagValues()).toEqual({ app: 'shadow-rollout', stage });
    expect(s.stack.terminationProtection).toBe(config.retainData);
    s.template.hasResourceProperties(
      'AWS::DynamoDB::Table',
      Match.objectLike({ Tags: Match.arrayWith([{ Key: 'stage', Value: stage }]) }),
    );
  });

  describe('functions', () => {
    it('all run Node 24 on arm64 with active tracing, JSON logs and the Powertools service name', () => {
      const functions = resourcesOfType(s, 'AWS::Lambda::Function');
      // The service functions, and the CDK's deploy-time provider that writes the deployment record.
      expect(Object.keys(functions)).toHaveLength(FUNCTION_NAMES.length + 1);
      for (const name of FUNCTION_NAMES) {
        expect(functionProps(s, name)).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON' },
          Environment: {
            Variables: {
              NODE_OPTIONS: '--enable-source-maps',
              POWERTOOLS_SERVICE_NAME: `shadow-rollout-${stage}`,
              POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
            },
          },
        });
      }
    });

    it('each log to their own log group with the stage retention, kept on delete (but not after a failed create) when data is retained', () => {
      const logGroups = resourcesOfType(s, 'AWS::Logs::LogGroup');
      for (const fn of FUNCTION_NAMES) {
        const groupId = render((functionProps(s, fn).LoggingConfig as { LogGroup: unknown }).LogGroup);
        const group = logGroups[groupId.slice(1, -1)];
        expect(group?.Properties.RetentionInDays).toBe(config.logRetentionDays);
        expect(group?.DeletionPolicy).toBe(config.retainData ? 'RetainExceptOnCreate' : 'Delete');
      }
    });

    it('reserve concurrency for the router only: the worker is capped by its event source instead', () => {
      expect(functionProps(s, 'router').ReservedConcurrentExecutions).toBe(config.router.reservedConcurrency);
      for (const fn of FUNCTION_NAMES.filter((f) => f !== 'router'))
        expect(functionProps(s, fn).ReservedConcurrentExecutions).toBeUndefined();
    });

    it('roles carry no AWS managed policies', () => {
      for (const role of Object.values(resourcesOfType(s, 'AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('router', () => {
    it('gets every setting it reads from the stage config', () => {
      expect(envOf(s, 'router')).toMatchObject({
        [EnvName.productionEndpoint]: config.productionEndpoint,
        [EnvName.candidateEndpoints]: config.candidateEndpoints.join(','),
        [EnvName.shadowQueueUrl]: { Ref: logicalId(s.stack.shadowQueue.queue) },
        [EnvName.shadowEnabled]: String(config.shadow.enabled),
        [EnvName.shadowSampleRate]: String(config.shadow.sampleRate),
        [EnvName.canaryPercent]: String(config.canaryPercent),
        [EnvName.userKeySaltSecretArn]: { Ref: logicalId(s.stack.router.userKeySalt) },
        [EnvName.modelTimeoutMs]: String(config.router.modelTimeoutMs),
        [EnvName.modelMaxAttempts]: String(config.router.modelMaxAttempts),
        [EnvName.dispatchBudgetMs]: String(config.router.dispatchBudgetMs),
        [EnvName.shadowDispatch]: config.router.shadowDispatch,
        [EnvName.maxPayloadBytes]: String(config.router.maxPayloadBytes),
        [EnvName.maxMessageBytes]: String(config.router.maxMessageBytes),
        [EnvName.runtimeConfigTable]: { Ref: logicalId(s.stack.runtimeConfig.table) },
        [EnvName.runtimeConfigMaxAgeSeconds]: '5',
      });
    });

    it('times out just above its request budget and before API Gateway gives up (29 s)', () => {
      const timeoutSeconds = functionProps(s, 'router').Timeout as number;
      // After-response mode: the send that follows the answer is part of the invocation too.
      const afterAnswerMs =
        config.router.shadowDispatch === 'after-response' ? AFTER_RESPONSE_DISPATCH_BUDGET_MS : 0;
      const budgetSeconds =
        (config.router.modelTimeoutMs + config.router.dispatchBudgetMs + afterAnswerMs) / 1000;
      expect(timeoutSeconds).toBeGreaterThan(budgetSeconds);
      expect(timeoutSeconds).toBeLessThanOrEqual(budgetSeconds + 2);
      expect(timeoutSeconds).toBeLessThan(29);
      expect(functionProps(s, 'router').MemorySize).toBe(config.router.memoryMb);
    });

    it('may invoke exactly the endpoints runtime config accepts, send to the shadow queue and read the runtime config', () => {
      // The runtime config's rule (lambda/configuration/function-settings.ts), applied to the deployed environment.
      const acceptedAtRuntime = allowedEndpoints(
        deployTimeRouting(envOf(s, 'router') as Record<string, string>),
      );
      expect(acceptedAtRuntime).toEqual([config.productionEndpoint, ...config.candidateEndpoints]);
      expect(permissionsOf(s, 'router')).toEqual(
        [
          ...basePermissions(s, 'router'),
          allow(['sagemaker:InvokeEndpoint'], acceptedAtRuntime.map(sagemakerEndpointArn)),
          allow(['sqs:SendMessage'], [`{${logicalId(s.stack.shadowQueue.queue)}.Arn}`]),
          allow(['dynamodb:GetItem'], [tableArn(s, 'runtimeConfig')]),
          allow(['secretsmanager:GetSecretValue'], [`{${logicalId(s.stack.router.userKeySalt)}}`]),
        ].sort(byJson),
      );
    });

    it('hashes user ids with a generated secret, never a value in the template', () => {
      s.template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
      expect(envOf(s, 'router')).not.toHaveProperty(EnvName.userKeySalt);
    });
  });

  describe('shadow worker', () => {
    it('gets every setting it reads from the stage config', () => {
      const env = envOf(s, 'worker');
      expect(env).toMatchObject({
        [EnvName.tableName]: { Ref: logicalId(s.stack.store.table) },
        [EnvName.captureInput]: String(config.shadow.captureInput),
        [EnvName.recordTtlDays]: String(config.shadow.recordTtlDays),
        [EnvName.candidateTimeoutMs]: String(config.worker.candidateTimeoutMs),
        [EnvName.candidateMaxAttempts]: String(config.worker.candidateMaxAttempts),
        [EnvName.maxStoredBodyBytes]: String(maxStoredBodyBytes.default),
        [EnvName.noiseBaselineRate]: String(config.shadow.noiseBaselineRate),
      });
      expect(JSON.parse(String(env[EnvName.comparator]))).toEqual(config.shadow.comparator);
      expect(functionProps(s, 'worker')).toMatchObject({
        Timeout: config.worker.timeoutSeconds,
        MemorySize: config.worker.memoryMb,
      });
    });

    it('may invoke only the candidates (and production, for the noise baseline) and record comparisons without Scan or Delete', () => {
      expect(config.shadow.noiseBaselineRate).toBeGreaterThan(0);
      const queueArn = `{${logicalId(s.stack.shadowQueue.queue)}.Arn}`;
      expect(permissionsOf(s, 'worker')).toEqual(
        [
          ...basePermissions(s, 'worker'),
          {
            effect: 'Allow',
            actions: [
              'sqs:ChangeMessageVisibility',
              'sqs:DeleteMessage',
              'sqs:GetQueueAttributes',
              'sqs:GetQueueUrl',
              'sqs:ReceiveMessage',
            ],
            resources: [queueArn],
          },
          {
            effect: 'Allow',
            actions: ['sagemaker:InvokeEndpoint'],
            resources: [...config.candidateEndpoints, config.productionEndpoint]
              .map(sagemakerEndpointArn)
              .sort(),
          },
          {
            effect: 'Allow',
            actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            resources: [`{${logicalId(s.stack.store.table)}.Arn}`],
          },
          ...appendPermissions(s.stack.recordsDelivery),
        ].sort(byJson),
      );
    });

    it('consumes the shadow queue in batches, reporting failures per message, with a concurrency cap', () => {
      s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(s.stack.shadowQueue.queue), 'Arn'] },
        FunctionName: { Ref: logicalId(s.stack.worker.handler.function) },
        BatchSize: config.worker.batchSize,
        MaximumBatchingWindowInSeconds: config.worker.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: config.worker.maxConcurrency },
      });
    });
  });

  describe('comparison reader', () => {
    it('reads the table by key and nothing else', () => {
      expect(envOf(s, 'reader')).toMatchObject({
        [EnvName.tableName]: { Ref: logicalId(s.stack.store.table) },
      });
      expect(permissionsOf(s, 'reader')).toEqual(
        [
          ...basePermissions(s, 'reader'),
          {
            effect: 'Allow',
            actions: ['dynamodb:GetItem'],
            resources: [`{${logicalId(s.stack.store.table)}.Arn}`],
          },
        ].sort(byJson),
      );
    });
  });

  it("answers API Gateway's own 4xx and 5xx in the JSON error shape", () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
      });
    }
    const rendered = GATEWAY_ERROR_TEMPLATE.replace('$context.error.responseType', 'THROTTLED')
      .replace('$context.error.messageString', '"Too Many Requests"')
      .replace('$context.requestId', 'abc');
    expect(JSON.parse(rendered)).toEqual({
      error: { code: 'THROTTLED', message: 'Too Many Requests', requestId: 'abc' },
    });
  });

  describe('outcome recorder', () => {
    it('joins outcomes with one UpdateItem on the comparison table, nothing else', () => {
      expect(envOf(s, 'outcomes')).toMatchObject({
        [EnvName.tableName]: { Ref: logicalId(s.stack.store.table) },
        [EnvName.recordTtlDays]: String(config.shadow.recordTtlDays),
        [EnvName.comparator]: JSON.stringify(config.shadow.comparator),
      });
      expect(permissionsOf(s, 'outcomes')).toEqual(
        [
          ...basePermissions(s, 'outcomes'),
          allow(['dynamodb:UpdateItem'], [tableArn(s, 'comparisons')]),
          ...appendPermissions(s.stack.outcomesDelivery),
        ].sort(byJson),
      );
    });
  });

  describe('rollout report', () => {
    it('gets the stage guardrails, and answers before API Gateway gives up', () => {
      const env = envOf(s, 'report');
      expect(env[EnvName.tableName]).toBeUndefined();
      expect(JSON.parse(String(env[EnvName.guardrails]))).toEqual(config.guardrails);
      expect(functionProps(s, 'report')).toMatchObject({
        MemorySize: 1024,
        Timeout: REPORT_TIMEOUT.toSeconds(),
      });
      expect(REPORT_TIMEOUT.toSeconds()).toBeLessThan(29);
    });

    it('knows the experiment in force: the runtime config table and the deploy-time routing, as the router', () => {
      const router = envOf(s, 'router');
      const report = envOf(s, 'report');
      expect(report[EnvName.runtimeConfigTable]).toEqual({ Ref: logicalId(s.stack.runtimeConfig.table) });
      for (const name of [
        EnvName.productionEndpoint,
        EnvName.candidateEndpoints,
        EnvName.shadowEnabled,
        EnvName.shadowSampleRate,
        EnvName.canaryPercent,
      ]) {
        expect(report[name]).toEqual(router[name]);
      }
    });

    it('may only read the runtime config item, keep its analyses and run queries in its workgroup: no comparison records', () => {
      expect(permissionsOf(s, 'report')).toEqual(
        [
          ...basePermissions(s, 'report'),
          allow(['dynamodb:GetItem'], [tableArn(s, 'runtimeConfig')]),
          allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [tableArn(s, 'comparisons')]),
          ...analysisPermissions(s),
        ].sort(byJson),
      );
      // In the comparison table, only the `analysis#` items: never a comparison record (the
      // report's statement and the rollout controller's, which shares the kept analyses).
      const kept = Object.values(resourcesOfType(s, 'AWS::IAM::Policy'))
        .flatMap(
          (policy) =>
            (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        )
        .filter((statement) => JSON.stringify(statement.Action) === '["dynamodb:GetItem","dynamodb:PutItem"]')
        .filter((statement) => render(statement.Resource) === tableArn(s, 'comparisons'));
      const onlyAnalyses = expect.objectContaining({
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['analysis#*'] } },
      });
      expect(kept).toEqual([onlyAnalyses, onlyAnalyses]);
    });
  });

  describe('automatic rollback', () => {
    it('reads the same deploy-time routing as the router and the runtime config table', () => {
      const router = envOf(s, 'router');
      const rollback = envOf(s, 'rollback');
      expect(rollback).toMatchObject({
        [EnvName.runtimeConfigTable]: { Ref: logicalId(s.stack.runtimeConfig.table) },
        [EnvName.productionEndpoint]: config.productionEndpoint,
        [EnvName.candidateEndpoints]: config.candidateEndpoints.join(','),
      });
      for (const name of [
        EnvName.productionEndpoint,
        EnvName.candidateEndpoints,
        EnvName.shadowEnabled,
        EnvName.shadowSampleRate,
        EnvName.canaryPercent,
      ]) {
        expect(rollback[name]).toEqual(router[name]);
      }
    });

    it('may only read and conditionally rewrite the runtime config', () => {
      expect(permissionsOf(s, 'rollback')).toEqual(
        [
          ...basePermissions(s, 'rollback'),
          allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [tableArn(s, 'runtimeConfig')]),
        ].sort(byJson),
      );
    });

    it('is not behind the API: only the canary guardrail alarms may invoke it', () => {
      const fnId = logicalId(s.stack.rollback.handler.function);
      const permissions = Object.values(resourcesOfType(s, 'AWS::Lambda::Permission')).filter(
        (p) => render(p.Properties.FunctionName) === `{${fnId}.Arn}`,
      );
      expect(permissions.map((p) => p.Properties.Principal)).toEqual(
        s.stack.monitoring.guardrails.canaryGuardrailAlarms.map(
          () => 'lambda.alarms.cloudwatch.amazonaws.com',
        ),
      );
      expect(permissions.map((p) => render(p.Properties.SourceArn)).sort()).toEqual(
        s.stack.monitoring.guardrails.canaryGuardrailAlarms.map((a) => `{${logicalId(a.alarm)}.Arn}`).sort(),
      );
    });
  });

  describe('rollout controller', () => {
    it('is invoked every minute by an EventBridge Scheduler schedule whose role may invoke it alone', () => {
      const schedules = Object.values(resourcesOfType(s, 'AWS::Scheduler::Schedule'));
      expect(schedules).toHaveLength(1);
      const fnArn = `{${logicalId(s.stack.rolloutController.handler.function)}.Arn}`;
      expect(schedules[0]?.Properties).toMatchObject({
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: { RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } },
      });
      const target = schedules[0]?.Properties.Target as { Arn: unknown; RoleArn: unknown };
      expect(render(target.Arn)).toBe(fnArn);
      expect(render(target.RoleArn)).toBe(`{${logicalId(s.stack.rolloutController.schedulerRole)}.Arn}`);
      expect(permissionsOfRole(s.template, logicalId(s.stack.rolloutController.schedulerRole))).toEqual([
        allow(['lambda:InvokeFunction'], [fnArn]),
      ]);
      // The tick ends before the next one starts.
      expect(functionProps(s, 'rolloutController').Timeout as number).toBeLessThan(60);
    });

    it('gets the deploy-time routing, guardrails, breaker, alarm topic and the canary guardrail alarms', () => {
      const env = envOf(s, 'rolloutController');
      const router = envOf(s, 'router');
      for (const name of [
        EnvName.productionEndpoint,
        EnvName.candidateEndpoints,
        EnvName.shadowSampleRate,
        EnvName.canaryPercent,
      ])
        expect(env[name]).toEqual(router[name]);
      expect(JSON.parse(String(env[EnvName.guardrails]))).toEqual(config.guardrails);
      expect(JSON.parse(String(env[EnvName.rolloutBreaker]))).toEqual(config.rollout.breaker);
      expect(env[EnvName.alarmTopicArn]).toEqual({ Ref: logicalId(s.stack.monitoring.alarmTopic) });
      const alarms = s.stack.monitoring.guardrails.canaryGuardrailAlarms;
      expect(alarms.length).toBeGreaterThan(0);
      expect(render(env[EnvName.guardrailAlarmNames])).toBe(
        render({ 'Fn::Join': [',', alarms.map((a) => ({ Ref: logicalId(a.alarm) }))] }),
      );
    });

    it('has least privilege: the runtime config item, the byTime index, the alarm topic and its key, the guardrail alarms, metrics', () => {
      const alarmArns = s.stack.monitoring.guardrails.canaryGuardrailAlarms.map(
        (a) => `{${logicalId(a.alarm)}.Arn}`,
      );
      expect(permissionsOf(s, 'rolloutController')).toEqual(
        [
          ...basePermissions(s, 'rolloutController'),
          allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [tableArn(s, 'runtimeConfig')]),
          // Its verdict is the report's: queries in the workgroup, and the kept analyses
          // (`analysis#` items only, below), never a comparison record.
          allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [tableArn(s, 'comparisons')]),
          ...analysisPermissions(s),
          allow(['sns:Publish'], [`{${logicalId(s.stack.monitoring.alarmTopic)}}`]),
          allow(
            ['kms:Decrypt', 'kms:GenerateDataKey*'],
            [`{${logicalId(s.stack.monitoring.alarmTopicKey)}.Arn}`],
          ),
          allow(['cloudwatch:DescribeAlarms'], alarmArns),
          allow(['cloudwatch:GetMetricData'], ['*']),
        ].sort(byJson),
      );
    });
  });

  describe('IAM', () => {
    it('grants no data-plane action on Resource "*": the only wildcards are X-Ray and GetMetricData, which have no resource ARNs', () => {
      const dataPlane = /^(sagemaker|sqs|dynamodb|s3|kms|lambda|sns|logs):|^\*$/;
      const onWildcard = allPermissions(s.template).filter((p) => p.resources.includes('*'));
      expect(onWildcard.flatMap((p) => p.actions).filter((a) => dataPlane.test(a))).toEqual([]);
      expect(new Set(onWildcard.flatMap((p) => p.actions))).toEqual(
        // GetMetricData: the rollout controller's circuit breaker reads metrics (read-only).
        new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'cloudwatch:GetMetricData']),
      );
      // No wildcard hides in a resource pattern either (e.g. `…:endpoint/*`, `…/index/*`),
      // except objects under an evidence log prefix, whose keys Firehose and Athena generate.
      const patterns = allPermissions(s.template)
        .flatMap((p) => p.resources)
        .filter((r) => r !== '*' && r.includes('*'));
      const evidenceObjects = new Set(evidenceObjectPatterns(s));
      expect(patterns.filter((r) => !evidenceObjects.has(r))).toEqual([]);
    });
  });

  describe('shadow queue', () => {
    const queues = () => resourcesOfType(s, 'AWS::SQS::Queue');
    const queueProps = () => queues()[logicalId(s.stack.shadowQueue.queue)]?.Properties ?? {};
    const dlqProps = () => queues()[logicalId(s.stack.shadowQueue.deadLetterQueue)]?.Properties ?? {};

    it('keeps a sample invisible for at least six worker timeouts', () => {
      const workerTimeout = functionProps(s, 'worker').Timeout as number;
      expect(queueProps().VisibilityTimeout).toBeGreaterThanOrEqual(
        VISIBILITY_TIMEOUT_FACTOR * workerTimeout,
      );
    });

    it('moves a sample to the DLQ after the configured receives; the DLQ keeps it 14 days', () => {
      expect(queueProps().RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(s.stack.shadowQueue.deadLetterQueue), 'Arn'] },
        maxReceiveCount: config.queue.maxReceiveCount,
      });
      expect(dlqProps().MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it('encrypts both queues and denies every non-TLS request to them', () => {
      expect(Object.keys(queues())).toHaveLength(2);
      for (const queue of Object.values(queues())) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      for (const queue of [s.stack.shadowQueue.queue, s.stack.shadowQueue.deadLetterQueue]) {
        s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalId(queue) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });
  });

  describe('data stores', () => {
    const tables = () => resourcesOfType(s, 'AWS::DynamoDB::Table');
    const comparisons = () => tables()[logicalId(s.stack.store.table)];
    const runtimeConfig = () => tables()[logicalId(s.stack.runtimeConfig.table)];

    it('are exactly the comparison and runtime config tables, with documented names', () => {
      expect(Object.keys(tables()).sort()).toEqual(
        [logicalId(s.stack.store.table), logicalId(s.stack.runtimeConfig.table)].sort(),
      );
      expect(comparisons()?.Properties.TableName).toBe(`shadow-rollout-${stage}-comparisons`);
      expect(runtimeConfig()?.Properties.TableName).toBe(`shadow-rollout-${stage}-runtime-config`);
      expect(resourceNames(stage)).toMatchObject({
        comparisonTable: comparisons()?.Properties.TableName,
        runtimeConfigTable: runtimeConfig()?.Properties.TableName,
      });
    });

    it('comparisons: on-demand, encrypted, keyed by request id, with TTL and no index (one write per comparison)', () => {
      expect(comparisons()?.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: ComparisonTable.TTL_ATTRIBUTE, Enabled: true },
      });
      expect(comparisons()?.Properties.GlobalSecondaryIndexes).toBeUndefined();
    });

    it('runtime config: on-demand, AWS-managed encryption, keyed by `id` as Powertools reads it', () => {
      expect(runtimeConfig()?.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: RuntimeConfigTable.PARTITION_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        SSESpecification: { SSEEnabled: true },
      });
      expect(runtimeConfig()?.Properties.SSESpecification).not.toHaveProperty('KMSMasterKeyId');
      expect(runtimeConfig()?.Properties.TimeToLiveSpecification).toBeUndefined();
    });

    it('have point-in-time recovery exactly in prod, and are retained exactly when configured, except after a failed create', () => {
      for (const t of [comparisons(), runtimeConfig()]) {
        expect(t?.Properties.PointInTimeRecoverySpecification).toEqual({
          PointInTimeRecoveryEnabled: stage === 'prod',
        });
        // A failed first create removes the tables, so a retry does not fail on their fixed
        // names; deletion protection would block that removal, so there is none.
        expect(t?.DeletionPolicy).toBe(config.retainData ? 'RetainExceptOnCreate' : 'Delete');
        expect((t as { UpdateReplacePolicy?: string })?.UpdateReplacePolicy).toBe(
          config.retainData ? 'Retain' : 'Delete',
        );
        expect(t?.Properties.DeletionProtectionEnabled).toBeUndefined();
      }
    });
  });

  describe('API', () => {
    it('routes each path and method to its function through a proxy integration, nothing else', () => {
      const resources = resourcesOfType(s, 'AWS::ApiGateway::Resource');
      const pathOf = (ref: unknown): string => {
        const id = render(ref).slice(1, -1);
        const resource = resources[id];
        if (resource === undefined) return '';
        return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
      };
      const functionIds = FUNCTION_NAMES.map((fn) => [fn, logicalId(handlerOf(s, fn).function)] as const);
      const routes = Object.values(resourcesOfType(s, 'AWS::ApiGateway::Method')).map((m) => {
        const uri = render((m.Properties.Integration as { Uri: unknown }).Uri);
        const target = functionIds.find(([, id]) => uri.includes(`{${id}.Arn}`))?.[0] ?? uri;
        expect(m.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY' });
        return `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId)} -> ${target}`;
      });
      expect(routes.sort()).toEqual(
        [
          'POST /predict -> router',
          'GET /comparisons/{requestId} -> reader',
          'POST /outcomes -> outcomes',
          'GET /report -> report',
        ].sort(),
      );
    });

    it('passes the binary media types the router accepts through base64-encoded, and no others', () => {
      const [api] = Object.values(resourcesOfType(s, 'AWS::ApiGateway::RestApi'));
      expect(api?.Properties.BinaryMediaTypes).toEqual([
        'application/x-npy',
        'application/x-recordio-protobuf',
        'application/octet-stream',
        'image/jpeg',
        'image/png',
      ]);
      expect(BINARY_MEDIA_TYPES).toEqual(api?.Properties.BinaryMediaTypes);
    });

    it('requires SigV4 (AWS_IAM) on every method', () => {
      const methods = Object.values(resourcesOfType(s, 'AWS::ApiGateway::Method'));
      expect(methods).toHaveLength(4);
      for (const m of methods) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
      s.template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    });

    it('has one stage named after the rollout stage, throttled from config, traced, without data trace', () => {
      s.template.resourceCountIs('AWS::ApiGateway::Stage', 1);
      s.template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: stage,
        TracingEnabled: true,
        MethodSettings: [
          {
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: config.api.throttlingRateLimit,
            ThrottlingBurstLimit: config.api.throttlingBurstLimit,
            MetricsEnabled: true,
            DataTraceEnabled: false,
            LoggingLevel: 'ERROR',
          },
        ],
      });
    });

    it('writes JSON access logs without bodies to a dedicated log group', () => {
      const [stageResource] = Object.values(resourcesOfType(s, 'AWS::ApiGateway::Stage'));
      const setting = stageResource?.Properties.AccessLogSetting as {
        DestinationArn: unknown;
        Format: string;
      };
      // The log group's ARN without the trailing `:*` (@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard).
      expect(render(setting.DestinationArn)).toBe(
        `arn:{AWS::Partition}:logs:{AWS::Region}:{AWS::AccountId}:log-group:{${logicalId(s.stack.api.accessLogs)}}`,
      );
      const format = JSON.parse(setting.Format) as Record<string, string>;
      expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
      expect(setting.Format).not.toMatch(/\$input|body/i);
      const group = resourcesOfType(s, 'AWS::Logs::LogGroup')[logicalId(s.stack.api.accessLogs)];
      expect(group?.Properties.RetentionInDays).toBe(config.logRetentionDays);
    });
  });

  describe('first deploy and Control Tower hardening', () => {
    it('encrypts every log group with the stage key, which CloudWatch Logs may use for this account and region only', () => {
      const keyId = logicalId(s.stack.logEncryptionKey);
      for (const group of Object.values(resourcesOfType(s, 'AWS::Logs::LogGroup'))) {
        expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
        expect(group.Properties.RetentionInDays).toBe(config.logRetentionDays);
      }
      const key = resourcesOfType(s, 'AWS::KMS::Key')[keyId] as Resource;
      expect(key.DeletionPolicy).toBe(config.retainData ? 'RetainExceptOnCreate' : 'Delete');
      const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
      const logsStatement = statements.find((st) => st.Sid === 'CloudWatchLogsEncryptLogGroups') as Record<
        string,
        unknown
      >;
      expect(render((logsStatement.Principal as { Service: unknown }).Service)).toBe(
        'logs.{AWS::Region}.amazonaws.com',
      );
      expect(
        render(
          (logsStatement.Condition as { ArnLike: Record<string, unknown> }).ArnLike[
            'kms:EncryptionContext:aws:logs:arn'
          ],
        ),
      ).toBe('arn:{AWS::Partition}:logs:{AWS::Region}:{AWS::AccountId}:log-group:*');
      if (stage === 'prod') expect(config.logRetentionDays).toBeGreaterThanOrEqual(365);
    });

    it('lets nobody create grants on its KMS keys except for AWS resources and services (CT.KMS.PR.3)', () => {
      const keys = Object.values(resourcesOfType(s, 'AWS::KMS::Key'));
      // The alarm topic's, the log groups' and, where the stage encrypts evidence with KMS, the evidence log's.
      expect(keys).toHaveLength(config.evidence.encryption === 'kms' ? 3 : 2);
      for (const key of keys) {
        expect((key.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual({
          Sid: 'CreateGrantsForAwsServicesOnly',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: {
            BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
          },
        });
      }
    });

    it("scopes every Lambda permission to this account (SourceAccount) and the caller's ARN", () => {
      const permissions = Object.values(resourcesOfType(s, 'AWS::Lambda::Permission'));
      expect(permissions.length).toBeGreaterThan(0);
      for (const p of permissions) {
        expect(p.Properties.SourceArn).toBeDefined();
        if (p.Properties.Principal === 'apigateway.amazonaws.com')
          expect(p.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
      }
    });

    it('lets only the shadow queue redrive into the DLQ, and keeps the DLQ and the user-key secret when data is retained', () => {
      const dlq = resourcesOfType(s, 'AWS::SQS::Queue')[logicalId(s.stack.shadowQueue.deadLetterQueue)];
      expect(dlq?.Properties.RedriveAllowPolicy).toEqual({
        redrivePermission: 'byQueue',
        sourceQueueArns: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':sqs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                `:shadow-rollout-${stage}-shadow-samples`,
              ],
            ],
          },
        ],
      });
      const queue = resourcesOfType(s, 'AWS::SQS::Queue')[logicalId(s.stack.shadowQueue.queue)];
      expect(queue?.Properties.QueueName).toBe(`shadow-rollout-${stage}-shadow-samples`);
      const kept = config.retainData ? 'RetainExceptOnCreate' : 'Delete';
      expect(dlq?.DeletionPolicy).toBe(kept);
      const secret = resourcesOfType(s, 'AWS::SecretsManager::Secret')[logicalId(s.stack.router.userKeySalt)];
      expect(secret?.DeletionPolicy).toBe(kept);
    });

    it('writes what it was deployed with into the runtime config table, for the CLI: the routing the router got, the endpoints it may call', () => {
      const writers = Object.values(s.template.findResources('Custom::AWS'));
      expect(writers).toHaveLength(1);
      const create = JSON.parse(render((writers[0] as Resource).Properties.Create)) as {
        service: string;
        action: string;
        parameters: { TableName: string; Item: { id: { S: string }; value: { S: string } } };
      };
      expect(create).toMatchObject({ service: 'DynamoDB', action: 'PutItem' });
      expect(create.parameters.TableName).toBe(`{${logicalId(s.stack.runtimeConfig.table)}}`);
      expect(create.parameters.Item.id.S).toBe('deployment');
      const record = parseDeploymentRecord(create.parameters.Item.value.S);
      const routerEnv = envOf(s, 'router') as Record<string, string>;
      const knobs = deployTimeRouting(routerEnv);
      expect(record.deployTime).toEqual(knobs);
      expect(record.allowedEndpoints).toEqual(allowedEndpoints(knobs));
      expect(record).toMatchObject({
        stage,
        stackName: `ShadowRollout-${stage}`,
        guardrails: config.guardrails,
        comparator: config.shadow.comparator,
        comparisonTable: `shadow-rollout-${stage}-comparisons`,
      });
      expect((writers[0] as Resource).Properties.Update).toEqual((writers[0] as Resource).Properties.Create);
      // Its role may write that one table and its own logs, nothing else; no managed policy.
      const writerRole = Object.entries(resourcesOfType(s, 'AWS::IAM::Role')).find(([id]) =>
        id.startsWith('RuntimeConfigStoreDeploymentRecordRole'),
      );
      expect(permissionsOfRole(s.template, writerRole?.[0] ?? '').map((p) => p.actions)).toEqual([
        ['dynamodb:PutItem'],
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ]);
    });
  });

  it('outputs the API URL, both table names, both queue URLs, the alarm topic, the dashboard and where the evidence is', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn',
      'AnalysisWorkGroupName',
      'ApiUrl',
      'ComparisonTableName',
      'DashboardName',
      'EvidenceBucketName',
      'EvidenceDatabaseName',
      'RuntimeConfigTableName',
      'ShadowDeadLetterQueueUrl',
      'ShadowQueueUrl',
    ]);
    expect(render(outputs.ApiUrl?.Value)).toMatch(/^https:\/\/\{.+\}\.execute-api\./);
    expect(outputs.ComparisonTableName?.Value).toEqual({ Ref: logicalId(s.stack.store.table) });
    expect(outputs.RuntimeConfigTableName?.Value).toEqual({ Ref: logicalId(s.stack.runtimeConfig.table) });
    expect(outputs.ShadowQueueUrl?.Value).toEqual({ Ref: logicalId(s.stack.shadowQueue.queue) });
    expect(outputs.ShadowDeadLetterQueueUrl?.Value).toEqual({
      Ref: logicalId(s.stack.shadowQueue.deadLetterQueue),
    });
    expect(outputs.AlarmTopicArn?.Value).toEqual({ Ref: logicalId(s.stack.monitoring.alarmTopic) });
    expect(outputs.DashboardName?.Value).toEqual({ Ref: logicalId(s.stack.monitoring.dashboard) });
    expect(outputs.EvidenceBucketName?.Value).toEqual({ Ref: logicalId(s.stack.evidenceBucket.bucket) });
    expect(outputs.AnalysisWorkGroupName?.Value).toBe(resourceNames(stage).analysisWorkGroup);
    expect(outputs.EvidenceDatabaseName?.Value).toBe(resourceNames(stage).evidenceDatabase);
  });
});

describe('config variations', () => {
  it('api.auth=apiKey requires an API key on every method, with a throttled usage plan', () => {
    const config: StageConfig = { ...stages.staging, api: { ...stages.staging.api, auth: 'apiKey' } };
    const s = synthConfig(config);

    const methods = Object.values(s.template.findResources('AWS::ApiGateway::Method')) as Resource[];
    expect(methods).toHaveLength(4);
    for (const m of methods) {
      expect(m.Properties.ApiKeyRequired).toBe(true);
      expect(m.Properties.AuthorizationType).toBe('NONE');
    }
    s.template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: config.api.throttlingRateLimit, BurstLimit: config.api.throttlingBurstLimit },
      ApiStages: [Match.objectLike({ Stage: { Ref: Match.stringLikeRegexp('DeploymentStage') } })],
    });
    s.template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    s.template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    s.template.hasOutput('ApiKeyId', {});
  });

  it('grants mixed-case endpoints by their lower-cased ARN, every candidate to the router too', () => {
    const config: StageConfig = {
      ...stages.dev,
      productionEndpoint: 'Churn-V1',
      candidateEndpoints: ['Churn-V2', 'churn-v3'],
      canaryPercent: 10,
    };
    const s = synthConfig(config);
    const invokeTargets = (role: string) =>
      permissionsOfRole(s.template, role)
        .filter((p) => p.actions.includes('sagemaker:InvokeEndpoint'))
        .flatMap((p) => p.resources);

    // Every deploy-time endpoint: a runtime `set` may make churn-v3 the canary.
    expect(invokeTargets(logicalId(s.stack.router.handler.role))).toEqual(
      ['churn-v1', 'churn-v2', 'churn-v3'].map(sagemakerEndpointArn),
    );
    // The worker also replays production (the noise baseline), by its lower-cased ARN too.
    expect(invokeTargets(logicalId(s.stack.worker.handler.role))).toEqual(
      ['churn-v1', 'churn-v2', 'churn-v3'].map(sagemakerEndpointArn),
    );
  });

  it('lets the worker invoke production even without a noise baseline (a runtime promote makes it the candidate)', () => {
    const config: StageConfig = {
      ...stages.staging,
      shadow: { ...stages.staging.shadow, noiseBaselineRate: 0 },
    };
    const s = synthConfig(config);
    const worker = permissionsOfRole(s.template, logicalId(s.stack.worker.handler.role));
    expect(worker.filter((p) => p.actions.includes('sagemaker:InvokeEndpoint'))).toEqual([
      allow(
        ['sagemaker:InvokeEndpoint'],
        [...config.candidateEndpoints, config.productionEndpoint].map(sagemakerEndpointArn),
      ),
    ]);
    const functions = s.template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const env = functions[logicalId(s.stack.worker.handler.function)]?.Properties.Environment as {
      Variables: Record<string, string>;
    };
    expect(env.Variables[EnvName.noiseBaselineRate]).toBe('0');
  });

  it('associates a configured web ACL with the API stage', () => {
    const webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shadow/0000';
    const s = synthConfig({ ...deployableConfig('prod'), api: { ...stages.prod.api, webAclArn } });
    s.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: webAclArn,
      ResourceArn: Match.anyValue(),
    });
  });

  it('owns the account-level API Gateway logging role only when asked to at deploy time (-c apiCloudWatchRole=true), and keeps it on delete', () => {
    const s = synthFromContext({ stage: 'dev', apiCloudWatchRole: 'true' });
    const accounts = Object.entries(s.template.findResources('AWS::ApiGateway::Account'));
    expect(accounts).toHaveLength(1);
    const [accountId, account] = accounts[0] as [
      string,
      { DeletionPolicy?: string; Properties: Record<string, unknown> },
    ];
    expect(account.DeletionPolicy).toBe('Retain');
    const roleId = render(account.Properties.CloudWatchRoleArn).replace(/^\{|\.Arn\}$/g, '');
    expect((s.template.toJSON().Resources[roleId] as { DeletionPolicy?: string }).DeletionPolicy).toBe(
      'Retain',
    );
    // The API stage is created only once the account has its logging role.
    const stage = Object.values(s.template.findResources('AWS::ApiGateway::Stage'))[0] as {
      DependsOn?: string[];
    };
    expect(stage.DependsOn).toContain(accountId);
    for (const st of STAGES)
      expect(synthOf(st).template.findResources('AWS::ApiGateway::Account')).toEqual({});
    expect(() => synthFromContext({ stage: 'dev', apiCloudWatchRole: 'yes' })).toThrow(
      /apiCloudWatchRole must be true or false/,
    );
  });
});
