import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { JsonLinesEvidenceLog } from '../../lambda/adapters/evidence-log-files';
import { ServiceUnavailableError } from '../../lambda/core/errors';
import { AnalysisDeadlineError } from '../../lambda/use-cases/ports/evidence';
import { outcomeLine, recordLine } from '../support/evidence-lines';

let dir: string;
let engine: DuckDbAnalysisEngine;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'duckdb-engine-'));
  engine = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
});
afterEach(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DuckDB analysis engine over the JSON-lines log', () => {
  it('reads an empty log as empty relations, then sees files as they appear', async () => {
    expect(await engine.query('SELECT count(*) AS n FROM records', [])).toEqual([{ n: 0 }]);
    await new JsonLinesEvidenceLog(dir).append([
      { kind: 'record', line: recordLine({ requestId: 'a' }) },
      { kind: 'outcome', line: outcomeLine('a', Date.UTC(2026, 10, 29), { converted: true }) },
    ]);
    expect(await engine.query('SELECT requestId, dt FROM records', [])).toEqual([
      { requestId: 'a', dt: '2026-11-28' },
    ]);
    expect(await engine.query('SELECT converted, dt FROM outcomes WHERE requestId = ?', ['a'])).toEqual([
      { converted: true, dt: '2026-11-29' },
    ]);
  });

  it('answers concurrent queries on a fresh engine (the views are defined once)', async () => {
    await new JsonLinesEvidenceLog(dir).append([{ kind: 'record', line: recordLine({ requestId: 'a' }) }]);
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => engine.query('SELECT count(*) AS n FROM records', [])),
    );
    expect(answers).toEqual(Array.from({ length: 4 }, () => [{ n: 1 }]));
  });

  it('skips a line cut short by a killed writer', async () => {
    const log = new JsonLinesEvidenceLog(dir);
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'whole' }) }]);
    const { appendFileSync, readdirSync } = await import('node:fs');
    const folder = join(dir, 'records', 'dt=2026-11-28');
    appendFileSync(join(folder, readdirSync(folder)[0] as string), '{"v":1,"requestId":"cut');
    expect(await engine.query('SELECT requestId FROM records', [])).toEqual([{ requestId: 'whole' }]);
  });

  it('stops a query at its deadline with AnalysisDeadlineError', async () => {
    // A cross join of 10^10 rows: minutes of work, stopped after 200 ms.
    await expect(
      engine.query(
        'SELECT count(*) AS n FROM range(100000) a, range(100000) b WHERE a.range + b.range = -1',
        [],
        {
          deadline: Date.now() + 200,
        },
      ),
    ).rejects.toThrow(AnalysisDeadlineError);
  });
});

describe('a query that needs more memory than the cap', () => {
  it('is refused with 503 and the remedy, after compacting and trying once more', async () => {
    const small = await DuckDbAnalysisEngine.open(dir, { memoryLimit: '64MB', threads: 1 });
    try {
      // A list of 20 million numbers cannot spill to disk: 160 MB in one value.
      const refused = small.query('SELECT list(range) AS l FROM range(20000000)', []);
      await expect(refused).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(refused).rejects.toMatchObject({
        status: 503,
        code: 'analysis_memory',
        message: expect.stringContaining(
          'needs more memory than its 64MB cap: give it more (local mode: npm start -- --analysis-memory-mb 1024',
        ),
      });
    } finally {
      small.close();
    }
  });
});

describe('rows of a query, as plain values', () => {
  it('gives numbers for BIGINT and HUGEINT sums, nulls, booleans, strings and lists, in order', async () => {
    const rows = await engine.query(
      `SELECT x, SUM(x) OVER () AS total, CAST(x AS HUGEINT) * 3 AS tripled, x > 2 AS big,
         CASE WHEN x = 2 THEN NULL ELSE 'v"' || x END AS label, [x, x + 1] AS pair, x / 4 AS quarter
       FROM range(1, 5) AS t(x) ORDER BY x DESC`,
      [],
    );
    expect(rows).toEqual([
      { x: 4, total: 10, tripled: 12, big: true, label: 'v"4', pair: [4, 5], quarter: 1 },
      { x: 3, total: 10, tripled: 9, big: true, label: 'v"3', pair: [3, 4], quarter: 0.75 },
      { x: 2, total: 10, tripled: 6, big: false, label: null, pair: [2, 3], quarter: 0.5 },
      { x: 1, total: 10, tripled: 3, big: false, label: 'v"1', pair: [1, 2], quarter: 0.25 },
    ]);
  });

  it('reads a result JSON cannot hold (NaN, infinities) value by value', async () => {
    const [row] = await engine.query(
      "SELECT CAST('NaN' AS DOUBLE) AS nan, CAST('inf' AS DOUBLE) AS inf, CAST(7 AS HUGEINT) AS n",
      [],
    );
    expect(row).toEqual({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, n: 7 });
  });

  it('runs a statement that is not a query (COPY) as it is', async () => {
    await new JsonLinesEvidenceLog(dir).append([{ kind: 'record', line: recordLine({ requestId: 'a' }) }]);
    const target = join(dir, 'copied.parquet');
    await engine.query(`COPY (SELECT requestId FROM records) TO '${target}' (FORMAT parquet)`, []);
    expect(await engine.query(`SELECT requestId FROM read_parquet('${target}')`, [])).toEqual([
      { requestId: 'a' },
    ]);
  });
});
