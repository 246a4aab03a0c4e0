import { DuckDBInstance } from '@duckdb/node-api';
const main = async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const q = async (sql: string, p?: any[]) => { try { const r = await c.runAndReadAll(sql, p); console.log(JSON.stringify(r.getRowObjectsJS(), (_, v) => typeof v === 'bigint' ? `big:${v}` : v)); } catch (e) { console.log('ERR', (e as Error).message.slice(0, 200)); } };
  await q(`SELECT arbitrary(x) a, min_by(y, CASE WHEN y IS NOT NULL THEN t END) m FROM (VALUES (1, NULL, 'a'), (2, 5, 'b'), (3, 7, 'c')) v(x, y, t)`);
  await q(`SELECT k, g, count(*) n, sum(x) s FROM (VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 3)) v(x, k, g) GROUP BY GROUPING SETS ((), (k), (g)) ORDER BY 1, 2`);
  await q(`WITH p AS (SELECT CAST(? AS VARCHAR) AS a, CAST(? AS BIGINT) AS b) SELECT a || 'x' AS s, b * 2 AS d, sum(1) AS one, CAST(FLOOR(LN(GREATEST(12.5, 0.001)) / LN(1.01)) AS BIGINT) AS bucket FROM p GROUP BY a, b`, ['hi', 5]);
  await q(`SELECT 7 / 2 AS i, CAST(7 AS DOUBLE) / 2 AS d`);
};
main();
