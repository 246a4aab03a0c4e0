import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { JsonLinesEvidenceLog } from '../../lambda/adapters/evidence-log-files';
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
