import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/configuration/env-names';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import { rolloutAlarmsEnvironment, rolloutControllerEnvironment } from '../config/function-environments';
import type { Guardrails, ShadowBreakerSettings, Stage } from '../config/stage-config';
import type { ComparisonTable } from './comparison-table';
import type { LogStorage } from './encrypted-log-group';
import type { RuntimeConfigTable } from './runtime-config-table';
import { handlerEntry, ServiceFunction, serviceName } from './service-function';
import type { ShadowQueue } from './shadow-queue';

export interface RolloutControllerProps {
  readonly stage: Stage;
  /** The routing document the controller changes with conditional writes (rollout state, share, sample rate). */
  readonly runtimeConfig: RuntimeConfigTable;
  /**
   * Where the report keeps its last completed analyses (`analysis#` items): a tick whose analysis
   * outlasts its wait judges the step on the last completed one, also from a cold start.
   */
  readonly comparisonTable: ComparisonTable;
  /** The queue whose backlog age the circuit breaker watches. */
  readonly shadowQueue: ShadowQueue;
  /** Deploy-time routing, the base the runtime overrides apply to (as the router sees it). */
  readonly deployTimeRouting: RoutingKnobs;
  readonly guardrails: Guardrails;
  readonly breaker: ShadowBreakerSettings;
  /**
   * How often the controller ticks, in whole minutes.
   * @default Duration.minutes(1)
   */
  readonly tickInterval?: Duration;
  /** @default 1024 (a tick builds the verdict of a step's records in memory) */
  readonly memoryMb?: number;
  /**
   * Retention, removal and encryption of the function's logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

/**
 * Walks progressive rollouts: an EventBridge Scheduler schedule invokes the controller function
 * every minute; each tick judges the active rollout's current step on its own data and advances,
 * promotes, pauses or rolls back, and runs the shadow circuit breaker. Every change is a
 * conditional write of the runtime config document, so a person's concurrent change wins.
 *
 * Least privilege: GetItem/PutItem on the runtime config table and on the comparison table's
 * `analysis#` items only (the kept analyses it shares with the report), the evidence through the analysis
 * workgroup (AnalysisWorkGroup.connect), Publish to the alarm topic (and its key), DescribeAlarms on the canary
 * guardrail alarms, GetMetricData (no resource-level permissions exist for it). The alarms keep
 * invoking the rollback function directly; the controller is the second line, not the first.
 */
export class RolloutController extends Construct {
  readonly handler: ServiceFunction;
  readonly schedule: scheduler.CfnSchedule;
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: RolloutControllerProps) {
    super(scope, id);
    const tickInterval = props.tickInterval ?? Duration.minutes(1);
    this.handler = new ServiceFunction(this, 'Handler', {
      entry: handlerEntry('rollout-controller'),
      stage: props.stage,
      description: 'Walks the progressive rollout plan on the verdict of each step; shadow circuit breaker',
      memorySize: props.memoryMb ?? 1024,
      // A tick should end before the next one starts; two that overlap anyway are safe (each
      // write is conditional on the version it read), so no reserved concurrency is needed.
      timeout: Duration.seconds(Math.min(50, Math.max(10, tickInterval.toSeconds() - 10))),
      logs: props.logs,
      environment: rolloutControllerEnvironment({
        routing: props.deployTimeRouting,
        runtimeConfigTable: props.runtimeConfig.table.tableName,
        guardrails: props.guardrails,
        breaker: props.breaker,
        shadowQueueName: props.shadowQueue.queue.queueName,
      }),
    });
    const role = this.handler.role;
    props.runtimeConfig.grantChangeRoutingConfig(role);
    this.handler.function.addEnvironment(EnvName.analysisCacheTable, props.comparisonTable.table.tableName);
    props.comparisonTable.grantKeepAnalyses(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:GetMetricData supports no resource-level permissions; the circuit breaker reads the candidate error counts and the shadow queue age with it (read-only metrics).',
      });
    }

    // The L1 schedule with its own role: the L2 target would grant InvokeFunction on every
    // version and alias of the function too (`<arn>:*`); the schedule needs the function alone.
    this.schedulerRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Lets the rollout controller's schedule invoke it (${props.stage})`,
      inlinePolicies: {
        InvokeController: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['lambda:InvokeFunction'],
              resources: [this.handler.function.functionArn],
            }),
          ],
        }),
      },
    });
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: `Ticks the rollout controller of ${serviceName(props.stage)}`,
      scheduleExpression: `rate(${tickInterval.toMinutes()} minute${tickInterval.toMinutes() === 1 ? '' : 's'})`,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.handler.function.functionArn,
        roleArn: this.schedulerRole.roleArn,
        // A missed tick is replaced by the next one a minute later: no retries, no stale backlog.
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      },
    });
  }

  /**
   * Connects the controller to the stage's monitoring, which is built after it (the monitoring
   * alarms on the controller function too): it announces transitions on the alarm topic and
   * rolls an active rollout back while a canary guardrail alarm is in ALARM.
   */
  watch(monitoring: {
    readonly alarmTopic: sns.ITopic;
    readonly alarmTopicKey: kms.IKey;
    readonly guardrailAlarms: readonly cloudwatch.IAlarm[];
  }): void {
    const fn = this.handler.function;
    const role = this.handler.role;
    const alarms = rolloutAlarmsEnvironment({
      alarmTopicArn: monitoring.alarmTopic.topicArn,
      guardrailAlarmNames: monitoring.guardrailAlarms.map((a) => a.alarmName),
    });
    for (const [name, value] of Object.entries(alarms)) fn.addEnvironment(name, value);
    monitoring.alarmTopic.grantPublish(role);
    monitoring.alarmTopicKey.grant(role, 'kms:GenerateDataKey*', 'kms:Decrypt');
    if (monitoring.guardrailAlarms.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: monitoring.guardrailAlarms.map((alarm) => alarm.alarmArn),
        }),
      );
    }
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined)
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "Publishing to the KMS-encrypted alarm topic needs GenerateDataKey on the topic's own key (the grant names that key's ARN only).",
      });
  }
}
