import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchGuardrailAlarms,
  CloudWatchShadowHealth,
} from '../../lambda/adapters/cloudwatch-rollout-signals';

const cloudwatch = mockClient(CloudWatchClient);
const NOW = new Date('2026-11-30T12:00:00Z');

beforeEach(() => {
  cloudwatch.reset();
});

describe('CloudWatch shadow health', () => {
  it('sums candidate calls and errors over the window and takes the newest backlog age', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'calls', Values: [120, 80] },
        { Id: 'errors', Values: [30, 10] },
        { Id: 'backlog', Values: [410, 300, 200] },
      ],
    });
    const health = new CloudWatchShadowHealth(new CloudWatchClient({}), {
      serviceName: 'shadow-rollout-prod',
      queueName: 'shadow-queue',
      windowMinutes: 5,
    });

    expect(await health.read(NOW)).toEqual({
      candidateCalls: 200,
      candidateErrors: 40,
      backlogAgeSeconds: 410,
    });
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(new Date('2026-11-30T11:55:00Z'));
    expect(input?.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual([
      'CandidateInvocations',
      'CandidateErrors',
      'ApproximateAgeOfOldestMessage',
    ]);
    expect(input?.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'service', Value: 'shadow-rollout-prod' },
    ]);
  });

  it('says the backlog age is unknown when CloudWatch has no datapoint', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const health = new CloudWatchShadowHealth(new CloudWatchClient({}), {
      serviceName: 's',
      queueName: 'q',
      windowMinutes: 5,
    });
    expect(await health.read(NOW)).toEqual({
      candidateCalls: 0,
      candidateErrors: 0,
      backlogAgeSeconds: null,
    });
  });
});

describe('CloudWatch guardrail alarms', () => {
  it('asks for exactly the named alarms in ALARM', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'prod-Canary-ErrorRate-Critical' }] });
    const alarms = new CloudWatchGuardrailAlarms(new CloudWatchClient({}), [
      'prod-Canary-ErrorRate-Critical',
      'prod-Canary-Latency-Critical',
    ]);
    expect(await alarms.firing()).toEqual(['prod-Canary-ErrorRate-Critical']);
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['prod-Canary-ErrorRate-Critical', 'prod-Canary-Latency-Critical'],
      StateValue: 'ALARM',
    });
  });

  it('makes no call when the stage has no guardrail alarm', async () => {
    expect(await new CloudWatchGuardrailAlarms(new CloudWatchClient({}), []).firing()).toEqual([]);
    expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
  });
});
