import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { report } from '../../cli/commands/report';
import { resolveTarget } from '../../cli/target';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { JsonLinesEvidenceLog } from '../../lambda/adapters/evidence-log-files';
import { deployTimeExperiment } from '../../lambda/core/experiment';
import { deploymentRecord } from '../support/deployment-record';
import { recordLine } from '../support/evidence-lines';

// No AWS account here: the stage path runs against mocked SDK clients. Athena's answers are the
// rows DuckDB gives for the same statement over the same lines, in Athena's wire format.
const athenaMock = mockClient(AthenaClient);
const dbMock = mockClient(DynamoDBClient);
const cloudwatchMock = mockClient(CloudWatchClient);

let dir: string;
let duckdb: DuckDbAnalysisEngine;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-aws-'));
  duckdb = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
});
afterAll(() => {
  duckdb.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  athenaMock.reset();
  dbMock.reset();
  cloudwatchMock.reset();
  // As deployed: production churn-v1 and candidate churn-v2 (the deployment record the CLI reads).
  dbMock.on(GetItemCommand, { Key: { id: { S: 'deployment' } } }).resolves(
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

/** Athena plays back what DuckDB answers for each statement started. */
function athenaAnswersLikeDuckDb(): void {
  const results = new Map<string, Promise<Record<string, unknown>[]>>();
  let next = 0;
  athenaMock.on(StartQueryExecutionCommand).callsFake((input) => {
    const id = `q${next++}`;
    // Athena receives parameters as SQL literals; DuckDB gets the values back.
    const parameters = (input.ExecutionParameters ?? []).map((p: string) =>
      p.startsWith("'") ? p.slice(1, -1).replaceAll("''", "'") : Number(p),
    );
    results.set(id, duckdb.query(input.QueryString, parameters));
    return { QueryExecutionId: id };
  });
  athenaMock.on(GetQueryExecutionCommand).callsFake((input) => ({
    QueryExecution: {
      QueryExecutionId: input.QueryExecutionId,
      Status: { State: 'SUCCEEDED' },
      StatementType: 'DML',
    },
  }));
  athenaMock.on(GetQueryResultsCommand).callsFake(async (input) => {
    const rows = (await results.get(input.QueryExecutionId)) ?? [];
    const names = Object.keys(rows[0] ?? {});
    const type = (name: string) => {
      const values = rows.map((r) => r[name]).filter((v) => v !== null);
      if (values.every((v) => typeof v === 'number'))
        return values.every(Number.isInteger) ? 'bigint' : 'double';
      return 'varchar';
    };
    const cell = (v: unknown) => (v === null || v === undefined ? {} : { VarCharValue: String(v) });
    return {
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: names.map((Name) => ({ Name, Type: type(Name) })) },
        Rows: [
          { Data: names.map((n) => ({ VarCharValue: n })) },
          ...rows.map((r) => ({ Data: names.map((n) => cell(r[n])) })),
        ],
      },
    };
  });
}

describe('shadow-rollout report --stage (against AWS)', () => {
  it('runs the report SQL in the stage workgroup on its database and lists firing alarms', async () => {
    // Arrange: 40 comparisons of the deploy-time experiment, 4 of them disagreeing.
    const target = await resolveTarget({ stage: 'dev' });
    const experiment = deployTimeExperiment(target.deployTime);
    const now = Date.now();
    await new JsonLinesEvidenceLog(dir).append(
      Array.from({ length: 40 }, (_, i) => ({
        kind: 'record' as const,
        line: recordLine({
          requestId: `r-${i}`,
          experiment: experiment.id,
          receivedAtMs: now - 60_000 + i,
          servedEndpoint: target.deployTime.productionEndpoint,
          candidateEndpoint: target.deployTime.candidateEndpoints[0] ?? null,
          agree: i % 10 !== 0,
          reason: i % 10 === 0 ? 'labels differ' : null,
        }),
      })),
    );
    dbMock.on(GetItemCommand).resolves({});
    athenaAnswersLikeDuckDb();
    cloudwatchMock
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'shadow-rollout-dev-Candidate-AgreementLow-Warning' }] });

    // Act
    const data = JSON.parse(await report(target, { json: true }));

    // Assert
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      WorkGroup: 'shadow-rollout-dev-analysis',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'shadow_rollout_dev' },
    });
    expect(cloudwatchMock).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNamePrefix: 'shadow-rollout-dev',
      StateValue: 'ALARM',
    });
    expect(data.experiment).toMatchObject({ id: experiment.id });
    expect(data.scope).toBe('experiment');
    expect(data.samples.comparisons).toBe(40);
    expect(data.agreement.candidate).toMatchObject({ successes: 36, trials: 40 });
    expect(data.alarmsInAlarm).toEqual(['shadow-rollout-dev-Candidate-AgreementLow-Warning']);
    expect(['PROMOTE', 'CONTINUE', 'REJECT', 'INVALID']).toContain(data.verdict.decision);

    const text = await report(target, {});
    expect(text).toContain(`experiment ${experiment.id} since`);
    expect(text).toContain('alarms firing now: shadow-rollout-dev-Candidate-AgreementLow-Warning');
  });

  it('refuses an unknown stage and bad report options with one clear line each', async () => {
    await expect(resolveTarget({ stage: 'qa' })).rejects.toThrow('Unknown stage "qa"');
    const target = await resolveTarget({ stage: 'dev' });
    await expect(report(target, { hours: 'soon' })).rejects.toThrow(
      '--hours must be a positive number of hours',
    );
    await expect(report(target, { since: 'yesterday' })).rejects.toThrow('--since must be an ISO-8601 time');
    await expect(report(target, { experiment: 'DROP TABLE' })).rejects.toThrow(
      '--experiment must be an experiment id',
    );
    dbMock.on(GetItemCommand).resolves({});
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({});
    await expect(report(target, { candidate: 'nope' })).rejects.toThrow('unknown candidate "nope"');
  });
});
