import { DuckDBInstance } from '@duckdb/node-api';
const cols = `{v:'INTEGER',requestId:'VARCHAR',experiment:'VARCHAR',receivedAt:'VARCHAR',servedVariant:'VARCHAR',userKey:'VARCHAR',shadowSampled:'BOOLEAN',servedEndpoint:'VARCHAR',servedStatus:'VARCHAR',servedErrorCode:'VARCHAR',servedLatencyMs:'DOUBLE',servedLabel:'VARCHAR',candidateEndpoint:'VARCHAR',candidateStatus:'VARCHAR',candidateErrorCode:'VARCHAR',candidateLatencyMs:'DOUBLE',candidateLabel:'VARCHAR',agree:'BOOLEAN',reason:'VARCHAR',noiseAgree:'BOOLEAN',metricEqual:'DOUBLE',metricLabelMatch:'DOUBLE',metricScoreDelta:'DOUBLE',metricFieldsChecked:'DOUBLE',metricFieldsDisagreeing:'DOUBLE',metricMaxAbsDelta:'DOUBLE',metricOverlap:'DOUBLE',metricRankCorrelation:'DOUBLE',timeoutMs:'DOUBLE'}`;
const main = async () => {
  const db = await DuckDBInstance.create(':memory:', { threads: process.env.T ?? '2', memory_limit: process.env.M ?? '200MB', temp_directory: '/tmp/ev-probe/tmp', preserve_insertion_order: 'false' });
  const c = await db.connect();
  await c.run(`CREATE VIEW records AS SELECT * FROM read_json('/tmp/ev-probe/log/records/*/*.jsonl', format='newline_delimited', columns=${cols}, hive_partitioning=true, ignore_errors=true)`);
  const f = `WITH f AS (SELECT requestId, arbitrary(servedLatencyMs) l, max(CASE WHEN candidateEndpoint='churn-v2' THEN candidateLatencyMs END) cl, arbitrary(userKey) u, arbitrary(servedVariant) sv, count(*) - count(DISTINCT coalesce(candidateEndpoint,'')) dup FROM records WHERE experiment = '7' AND dt BETWEEN '2026-11-01' AND '2026-12-01' GROUP BY requestId)`;
  for (const q of [
    `${f} SELECT 'a' k, count(*) n, sum(l) s FROM f UNION ALL SELECT 'b', count(*), sum(cl) FROM f UNION ALL SELECT 'c', count(*), sum(dup) FROM f UNION ALL SELECT sv, count(*), sum(l) FROM f GROUP BY sv UNION ALL SELECT 'users', count(*), sum(n) FROM (SELECT u, count(*) n FROM f GROUP BY u) x`,
    `${f} SELECT 'a' k, count(*) n, sum(l) s FROM f`,
  ]) {
    const t = performance.now();
    const r = await c.runAndReadAll(q);
    console.log(JSON.stringify(r.getRowObjectsJson()), Math.round(performance.now() - t), 'ms', 'rss', Math.round(process.memoryUsage().rss / 1e6));
  }
};
main();
