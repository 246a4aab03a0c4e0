import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { analysisEngine, analysisSettings } from '../../lambda/composition/analysis';
import { evidenceLog, evidenceLogSettings } from '../../lambda/composition/evidence-log';
import { EnvName, MissingEnvironmentError } from '../../lambda/configuration/env-names';
import { MetricName } from '../../lambda/core/metric-names';
import type { MetricsPort } from '../../lambda/use-cases/ports/metrics';
import { recordLine } from '../support/evidence-lines';

const firehose = mockClient(FirehoseClient);
const athena = mockClient(AthenaClient);
beforeEach(() => {
  firehose.reset();
  athena.reset();
});

function countingMetrics() {
  const counts = new Map<string, number>();
  const metrics: MetricsPort = {
    count: (name, value = 1) => {
      counts.set(name, (counts.get(name) ?? 0) + value);
    },
    milliseconds: () => undefined,
    ratio: () => undefined,
  };
  return { metrics, counts };
}

describe('the evidence log a function appends to', () => {
  it('is its Firehose stream when EVIDENCE_STREAM_NAME is set, retries counted', async () => {
    // Arrange
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ ErrorCode: 'ServiceUnavailableException' }] })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r' }] });
    const { metrics, counts } = countingMetrics();
    const settings = evidenceLogSettings({ [EnvName.evidenceStreamName]: 'records-stream' });
    const log = evidenceLog(settings, metrics, 'record');

    // Act
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'r-1' }) }]);

    // Assert
    expect(settings).toEqual({ kind: 'stream', streamName: 'records-stream' });
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 2);
    expect(firehose).toHaveReceivedCommandWith(PutRecordBatchCommand, {
      DeliveryStreamName: 'records-stream',
    });
    expect(counts.get(MetricName.EvidenceAppendRetries)).toBe(1);
  });

  it('fails fast naming both variables when neither a stream nor a folder is set', () => {
    expect(() => evidenceLogSettings({})).toThrow(MissingEnvironmentError);
    expect(() => evidenceLogSettings({})).toThrow(/EVIDENCE_STREAM_NAME or EVIDENCE_LOG_DIR/);
  });
});

describe('the analysis engine of the report', () => {
  it('is Athena in the workgroup and database the stack sets', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    const settings = analysisSettings({
      [EnvName.analysisWorkGroup]: 'wg',
      [EnvName.analysisDatabase]: 'db',
      [EnvName.evidenceLogDir]: '/ignored/on/aws',
    });
    expect(settings).toEqual({ kind: 'athena', workGroup: 'wg', database: 'db' });

    await (await analysisEngine(settings)).query('SELECT 1', []);

    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      WorkGroup: 'wg',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'db' },
    });
  });

  it('is DuckDB over the files in local mode, with a memory cap (256 MB unless set)', () => {
    expect(analysisSettings({ [EnvName.evidenceLogDir]: '/data/evidence' })).toEqual({
      kind: 'files',
      dir: '/data/evidence',
      memoryMb: 256,
    });
    expect(
      analysisSettings({ [EnvName.evidenceLogDir]: '/data/evidence', [EnvName.evidenceMemoryMb]: '1024' }),
    ).toMatchObject({ memoryMb: 1024 });
    expect(() =>
      analysisSettings({ [EnvName.evidenceLogDir]: '/data/evidence', [EnvName.evidenceMemoryMb]: '16' }),
    ).toThrow('EVIDENCE_MEMORY_MB must be a whole number in [64, 1048576], got "16"');
  });

  it.each([
    [{ [EnvName.analysisWorkGroup]: 'wg' }, 'ANALYSIS_DATABASE environment variable is not set'],
    [{ [EnvName.analysisDatabase]: 'db' }, 'ANALYSIS_WORKGROUP environment variable is not set'],
    [{}, 'ANALYSIS_WORKGROUP and ANALYSIS_DATABASE, or EVIDENCE_LOG_DIR, environment variables are not set'],
  ])('fails fast naming what is missing: %p', (env, message) => {
    expect(() => analysisSettings(env)).toThrow(MissingEnvironmentError);
    expect(() => analysisSettings(env)).toThrow(message);
  });
});
