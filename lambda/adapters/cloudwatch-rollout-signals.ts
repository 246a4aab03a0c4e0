import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { METRICS_NAMESPACE, MetricName } from '../core/metric-names';
import type { ShadowHealth } from '../core/rollout/breaker';
import type { GuardrailAlarmSource, ShadowHealthSource } from '../use-cases/rollout/ports';

/**
 * The circuit breaker's view of the shadow path from CloudWatch: candidate calls and failures
 * the worker counted (EMF), and the shadow queue's ApproximateAgeOfOldestMessage, over the last
 * `windowMinutes`.
 */
export class CloudWatchShadowHealth implements ShadowHealthSource {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly options: {
      readonly serviceName: string;
      readonly queueName: string;
      readonly windowMinutes: number;
    },
  ) {}

  async read(now: Date): Promise<ShadowHealth> {
    const period = this.options.windowMinutes * 60;
    const service = [{ Name: 'service', Value: this.options.serviceName }];
    const sum = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: METRICS_NAMESPACE, MetricName: name, Dimensions: service },
        Period: period,
        Stat: 'Sum',
      },
    });
    const { MetricDataResults = [] } = await this.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - period * 1000),
        EndTime: now,
        MetricDataQueries: [
          sum('calls', MetricName.CandidateInvocations),
          sum('errors', MetricName.CandidateErrors),
          {
            Id: 'backlog',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'ApproximateAgeOfOldestMessage',
                Dimensions: [{ Name: 'QueueName', Value: this.options.queueName }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    const values = (id: string) => MetricDataResults.find((r) => r.Id === id)?.Values ?? [];
    const total = (id: string) => values(id).reduce((a, b) => a + b, 0);
    // Newest first: the latest datapoint is the backlog's age now.
    const backlog = values('backlog')[0];
    return {
      candidateCalls: total('calls'),
      candidateErrors: total('errors'),
      backlogAgeSeconds: backlog === undefined ? null : backlog,
    };
  }
}

/** The canary guardrail alarms in ALARM now, by their exact names. */
export class CloudWatchGuardrailAlarms implements GuardrailAlarmSource {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly alarmNames: readonly string[],
  ) {}

  async firing(): Promise<string[]> {
    if (this.alarmNames.length === 0) return [];
    const { MetricAlarms = [] } = await this.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [...this.alarmNames], StateValue: 'ALARM' }),
    );
    return MetricAlarms.map((alarm) => alarm.AlarmName ?? 'unknown');
  }
}
