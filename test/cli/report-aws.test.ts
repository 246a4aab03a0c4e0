import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { report } from '../../cli/commands/report';
import { resolveTarget } from '../../cli/target';
import type { ComparisonRecord } from '../../lambda/core/comparison-record';
import { deploymentRecord } from '../support/deployment-record';

// No AWS account here: the stage path is tested with the SDK clients mocked at the wire level.
const dbMock = mockClient(DynamoDBDocumentClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const tableMock = mockClient(DynamoDBClient);

function record(i: number, agree: boolean): ComparisonRecord {
  const receivedAt = new Date(Date.now() - 60_000 + i).toISOString();
  const answer = (label: string) => ({
    status: 'ok' as const,
    latencyMs: 20 + (i % 7),
    contentType: 'application/json',
    body: JSON.stringify({ label, probability: 0.8 }),
    encoding: 'utf8' as const,
  });
  return {
    requestId: `r-${i}`,
    receivedAt,
    comparedAt: receivedAt,
    timeBucket: `${receivedAt.slice(0, 10)}#0`,
    servedVariant: 'production',
    userKey: null,
    input: { contentType: 'application/json', bytes: 2, sha256: 'x' },
    production: { endpoint: 'churn-v1', ...answer('churn') },
    candidates: [
      {
        endpoint: 'churn-v2',
        result: { endpoint: 'churn-v2', ...answer(agree ? 'churn' : 'stay') },
        comparison: { comparator: 'classification', agree, metrics: { labelMatch: agree ? 1 : 0 } },
      },
    ],
    expiresAt: 0,
  };
}

beforeEach(() => {
  dbMock.reset();
  cloudwatchMock.reset();
  // As deployed: production churn-v1 and candidate churn-v2 (the records below name them).
  tableMock.reset();
  tableMock.on(GetItemCommand, { Key: { id: { S: 'deployment' } } }).resolves(
    deploymentRecord('dev', {
      deployTime: {
        productionEndpoint: 'churn-v1',
        candidateEndpoints: ['churn-v2'],
        shadowEnabled: true,
        sampleRate: 1,
        canaryPercent: 0,
      },
      allowedEndpoints: ['churn-v1', 'churn-v2'],
    }).item,
  );
});

describe('shadow-rollout report --stage (against AWS)', () => {
  it("reads the stage's table by its physical name through the byTime index, and lists firing alarms", async () => {
    const records = Array.from({ length: 40 }, (_, i) => record(i, i % 10 !== 0));
    dbMock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
      Items: input.ExpressionAttributeValues[':b']?.endsWith('#0') ? records : [],
    }));
    cloudwatchMock
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'shadow-rollout-dev-Candidate-AgreementLow-Warning' }] });

    const target = await resolveTarget({ stage: 'dev' });
    const data = JSON.parse(await report(target, { hours: '1', json: true }));

    expect(dbMock).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'shadow-rollout-dev-comparisons',
      IndexName: 'byTime',
    });
    expect(cloudwatchMock).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNamePrefix: 'shadow-rollout-dev',
      StateValue: 'ALARM',
    });
    expect(data.samples.comparisons).toBe(40);
    expect(data.agreement.candidate).toMatchObject({ successes: 36, trials: 40 });
    expect(data.alarmsInAlarm).toEqual(['shadow-rollout-dev-Candidate-AgreementLow-Warning']);
    expect(['PROMOTE', 'CONTINUE', 'REJECT']).toContain(data.verdict.decision);

    const text = await report(target, { hours: '1' });
    expect(text).toContain('Verdict for churn-v2 vs churn-v1 on stage dev');
    expect(text).toContain('alarms firing now: shadow-rollout-dev-Candidate-AgreementLow-Warning');
  });

  it('refuses an unknown stage and a bad window with clear messages', async () => {
    await expect(resolveTarget({ stage: 'qa' })).rejects.toThrow('Unknown stage "qa"');
    await expect(report(await resolveTarget({ stage: 'dev' }), { hours: 'soon' })).rejects.toThrow(
      '--hours must be a positive number',
    );
  });
});
