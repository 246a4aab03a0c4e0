import { Duration, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { stages } from '../../../lib/config/stages';
import { PredictionApi } from '../../../lib/constructs/prediction-api';
import { RolloutMonitoring } from '../../../lib/constructs/rollout-monitoring';
import { ShadowQueue } from '../../../lib/constructs/shadow-queue';
import { sizeAlarms } from '../../../lib/monitoring/alarm-sizing';
import { endpointVariantsOf } from '../../../lib/shadow-rollout-stack';
import { bareStack, synthesize } from '../support/construct-stack';
import { logicalId, removeSynthOutput, render } from '../support/synth';

afterAll(removeSynthOutput);

// The monitoring of a stage, alone in a stack with stand-ins for what it watches.
const config = stages.staging;
const stub = (stack: Stack, id: string) =>
  new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });

interface AlarmProps {
  readonly AlarmName: string;
  readonly AlarmActions?: unknown[];
  readonly OKActions?: unknown[];
}

let template: Template;
let topicId: string;
let rollbackId: string;
let dashboardBody: string;
beforeAll(() => {
  const stack = bareStack('rollout-monitoring');
  const api = new PredictionApi(stack, 'Api', {
    stageName: config.stage,
    throttlingRateLimit: 100,
    throttlingBurstLimit: 200,
  });
  const router = stub(stack, 'Router');
  api.addLambdaRoute('POST', '/predict', router);
  const rollback = stub(stack, 'Rollback');
  const monitoring = new RolloutMonitoring(stack, 'Monitoring', {
    serviceName: 'shadow-rollout-staging',
    alarmNamePrefix: 'shadow-rollout-staging',
    dashboardName: 'shadow-rollout-staging',
    guardrails: config.guardrails,
    alarms: config.alarms,
    alarmSizes: sizeAlarms(config),
    endpoints: endpointVariantsOf(config),
    api,
    shadowQueue: new ShadowQueue(stack, 'Queue', {
      queueName: 'shadow',
      consumerTimeout: Duration.seconds(30),
    }),
    functions: [
      { name: 'Router', function: router, severity: 'Critical' },
      { name: 'ShadowWorker', function: stub(stack, 'Worker'), severity: 'Warning' },
      { name: 'AutomaticRollback', function: rollback, severity: 'Critical' },
    ],
    tables: [
      {
        name: 'Comparisons',
        table: new dynamodb.Table(stack, 'Table', {
          partitionKey: { name: 'requestId', type: dynamodb.AttributeType.STRING },
        }),
      },
    ],
    automaticRollback: rollback,
  });
  template = synthesize(stack);
  topicId = logicalId(monitoring.alarmTopic);
  rollbackId = logicalId(rollback);
  dashboardBody = render(
    (
      Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as {
        Properties: { DashboardBody: unknown };
      }
    ).Properties.DashboardBody,
  );
});

const alarms = (): AlarmProps[] =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (r) => (r as { Properties: AlarmProps }).Properties,
  );

describe('RolloutMonitoring', () => {
  it('names every alarm under the stage prefix and notifies the topic on ALARM and on OK', () => {
    expect(alarms().length).toBeGreaterThan(10);
    for (const alarm of alarms()) {
      expect(alarm.AlarmName).toMatch(/^shadow-rollout-staging-/);
      expect((alarm.AlarmActions ?? []).map(render)).toContain(`{${topicId}}`);
      expect((alarm.OKActions ?? []).map(render)).toContain(`{${topicId}}`);
    }
  });

  it('gives every watched function its own error alarm', () => {
    const names = alarms().map((a) => a.AlarmName);
    for (const fn of ['Router', 'ShadowWorker', 'AutomaticRollback']) {
      expect(names.some((name) => name.includes(fn))).toBe(true);
    }
  });

  it('lets only guardrail alarms invoke the automatic rollback', () => {
    const invoking = alarms().filter((a) =>
      (a.AlarmActions ?? []).map(render).some((x) => x.includes(rollbackId)),
    );
    // The canary's guardrail alarms, and nothing else (no endpoint or pipeline alarm rolls back).
    expect(invoking.map((a) => a.AlarmName).sort()).toEqual([
      'shadow-rollout-staging-Canary-ConversionDrop-Critical',
      'shadow-rollout-staging-Canary-ErrorRate-Critical',
      'shadow-rollout-staging-Canary-LatencyP99-Critical',
    ]);
  });

  it('shows every alarm on the dashboard’s alarm status widget', () => {
    for (const alarm of Object.keys(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(dashboardBody).toContain(`{${alarm}.Arn}`);
    }
  });
});
