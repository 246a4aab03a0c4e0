import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AnalysisQueryError,
  AthenaAnalysisEngine,
  sqlLiteral,
  typed,
} from '../../lambda/adapters/athena-analysis';
import { AnalysisDeadlineError } from '../../lambda/use-cases/ports/evidence';

const athena = mockClient(AthenaClient);
beforeEach(() => athena.reset());

const QUERY_ID = 'q-123';

/** An engine on a fake clock: each sleep advances it, so polling and deadlines are exact. */
function engineOnClock(start = 1_000_000) {
  const clock = { now: start, sleeps: [] as number[] };
  const engine = new AthenaAnalysisEngine(new AthenaClient({}), {
    workGroup: 'shadow-rollout-test-analysis',
    database: 'shadow_rollout_test',
    firstPollMs: 200,
    maxPollMs: 1000,
    pageSize: 2,
    now: () => clock.now,
    sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  });
  return { engine, clock };
}

const status = (State: QueryExecutionState, extra: Record<string, unknown> = {}) => ({
  QueryExecution: { QueryExecutionId: QUERY_ID, StatementType: 'DML' as const, Status: { State, ...extra } },
});

const column = (Name: string, Type: string) => ({ Name, Label: Name, Type });
const row = (...values: (string | undefined)[]) => ({
  Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })),
});

function page(rows: ReturnType<typeof row>[], nextToken?: string): GetQueryResultsCommandOutput {
  return {
    $metadata: {},
    ResultSet: {
      ResultSetMetadata: {
        ColumnInfo: [
          column('served_variant', 'varchar'),
          column('requests', 'bigint'),
          column('rate', 'double'),
        ],
      },
      Rows: rows,
    },
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
}

describe('AthenaAnalysisEngine', () => {
  it('starts the query in its workgroup with the Glue database as context and the parameters as literals', async () => {
    // Arrange
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena.on(GetQueryExecutionCommand).resolves(status('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves(page([row('served_variant', 'requests', 'rate')]));
    const { engine } = engineOnClock();

    // Act
    const rows = await engine.query('SELECT 1 FROM records WHERE experiment = ? AND receivedAtMs >= ?', [
      "v7-o'brien",
      1_764_460_800_000,
    ]);

    // Assert
    expect(rows).toEqual([]);
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT 1 FROM records WHERE experiment = ? AND receivedAtMs >= ?',
      WorkGroup: 'shadow-rollout-test-analysis',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'shadow_rollout_test' },
      ExecutionParameters: ["'v7-o''brien'", '1764460800000'],
    });
  });

  it('sends no ExecutionParameters for a query without placeholders (Athena rejects an empty list)', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena.on(GetQueryExecutionCommand).resolves(status('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves(page([row('served_variant', 'requests', 'rate')]));
    const { engine } = engineOnClock();
    await engine.query('SELECT 1', []);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('ExecutionParameters');
  });

  it('polls with growing waits until the query is done', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(status('QUEUED'))
      .resolvesOnce(status('RUNNING'))
      .resolvesOnce(status('RUNNING'))
      .resolvesOnce(status('RUNNING'))
      .resolvesOnce(status('RUNNING'))
      .resolves(status('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves(page([row('served_variant', 'requests', 'rate')]));
    const { engine, clock } = engineOnClock();

    await engine.query('SELECT 1', []);

    expect(clock.sleeps).toEqual([200, 300, 450, 675, 1000]);
    expect(athena).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 6);
    expect(athena).toHaveReceivedCommandTimes(StopQueryExecutionCommand, 0);
  });

  it('stops the query and rejects with AnalysisDeadlineError when the deadline passes first', async () => {
    // Arrange: the query never finishes.
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena.on(GetQueryExecutionCommand).resolves(status('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const { engine, clock } = engineOnClock();
    const deadline = clock.now + 1500;

    // Act
    const result = engine.query('SELECT 1', [], { deadline });

    // Assert
    await expect(result).rejects.toBeInstanceOf(AnalysisDeadlineError);
    expect(athena).toHaveReceivedCommandWith(StopQueryExecutionCommand, { QueryExecutionId: QUERY_ID });
    // It waited exactly up to the deadline, never past it, and read no results.
    expect(clock.now).toBe(deadline);
    expect(clock.sleeps).toEqual([200, 300, 450, 550]);
    expect(athena).toHaveReceivedCommandTimes(GetQueryResultsCommand, 0);
  });

  it('still rejects with the deadline when stopping fails (the query may have just finished)', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena.on(GetQueryExecutionCommand).resolves(status('RUNNING'));
    athena.on(StopQueryExecutionCommand).rejects(new Error('InvalidRequestException'));
    const { engine, clock } = engineOnClock();
    await expect(engine.query('SELECT 1', [], { deadline: clock.now + 100 })).rejects.toBeInstanceOf(
      AnalysisDeadlineError,
    );
  });

  it('does not start a query whose deadline has already passed', async () => {
    const { engine, clock } = engineOnClock();
    await expect(engine.query('SELECT 1', [], { deadline: clock.now })).rejects.toBeInstanceOf(
      AnalysisDeadlineError,
    );
    expect(athena).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 0);
  });

  it("rejects a failed query with Athena's reason (e.g. the workgroup's scan cutoff)", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena.on(GetQueryExecutionCommand).resolves(
      status('FAILED', {
        StateChangeReason: 'Query cancelled! : Bytes scanned limit was exceeded',
        AthenaError: { ErrorCategory: 2, ErrorType: 1003 },
      }),
    );
    const { engine } = engineOnClock();
    const result = engine.query('SELECT 1', []);
    await expect(result).rejects.toBeInstanceOf(AnalysisQueryError);
    await expect(result).rejects.toMatchObject({
      message: expect.stringContaining('Bytes scanned limit was exceeded'),
      queryExecutionId: QUERY_ID,
      state: 'FAILED',
      errorCategory: 2,
    });
    expect(athena).toHaveReceivedCommandTimes(GetQueryResultsCommand, 0);
  });

  it('pages through the results, skips the header row once, and converts typed columns', async () => {
    // Arrange: pages of 2 rows; the first row of the first page is the header.
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena.on(GetQueryExecutionCommand).resolves(status('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce(
        page([row('served_variant', 'requests', 'rate'), row('production', '1200', '0.25')], 't1'),
      )
      .resolvesOnce(page([row('canary', '34', undefined), row(undefined, '0', 'NaN')], 't2'))
      .resolvesOnce(page([row('', '9007199254740991', '-1.5E-4')]));
    const { engine } = engineOnClock();

    // Act
    const rows = await engine.query('SELECT …', []);

    // Assert
    expect(rows).toEqual([
      { served_variant: 'production', requests: 1200, rate: 0.25 },
      { served_variant: 'canary', requests: 34, rate: null },
      { served_variant: null, requests: 0, rate: Number.NaN },
      { served_variant: '', requests: 9007199254740991, rate: -0.00015 },
    ]);
    const tokens = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 't1', 't2']);
    expect(athena).toHaveReceivedCommandWith(GetQueryResultsCommand, {
      QueryExecutionId: QUERY_ID,
      MaxResults: 2,
    });
  });

  it('rejects with the deadline if it passes while paging', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athena.on(GetQueryExecutionCommand).resolves(status('SUCCEEDED'));
    const { engine, clock } = engineOnClock();
    const deadline = clock.now + 10;
    athena.on(GetQueryResultsCommand).callsFake(() => {
      clock.now += 20;
      return page([row('served_variant', 'requests', 'rate'), row('production', '1', '1')], 'more');
    });
    await expect(engine.query('SELECT 1', [], { deadline })).rejects.toBeInstanceOf(AnalysisDeadlineError);
    expect(athena).toHaveReceivedCommandTimes(GetQueryResultsCommand, 1);
  });
});

describe('sqlLiteral', () => {
  it.each([
    ['abc', "'abc'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ['2026-11-30', "'2026-11-30'"],
    [0, '0'],
    [-42, '-42'],
    [1_764_460_800_000, '1764460800000'],
    [0.25, '0.25'],
  ])('%p → %s', (value, literal) => {
    expect(sqlLiteral(value)).toBe(literal);
  });

  it('refuses numbers SQL has no literal for', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => sqlLiteral(bad)).toThrow(TypeError);
    }
  });
});

describe('typed', () => {
  it.each([
    ['boolean', 'true', true],
    ['boolean', 'false', false],
    ['integer', '-7', -7],
    ['bigint', '1764460800000', 1764460800000],
    ['tinyint', '3', 3],
    ['double', '0.5', 0.5],
    ['real', '2.5', 2.5],
    ['decimal(10,2)', '12.34', 12.34],
    ['varchar', '42', '42'],
    ['varchar', '', ''],
    ['date', '2026-11-30', '2026-11-30'],
    ['double', undefined, null],
    ['varchar', undefined, null],
  ])('%s %p → %p', (type, text, value) => {
    expect(typed(type, text)).toEqual(value);
  });
});
