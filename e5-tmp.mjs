import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const q = JSON.parse(readFileSync('/tmp/ev/sql.json', 'utf8'));
const [dir, variant, mem = '256MB', threads = '2'] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { memory_limit: mem, threads, temp_directory: '/tmp/ev/tmp', preserve_insertion_order: 'false' });
const c = await inst.connect();
const cols = Object.keys(q.RECORD_COLUMNS).join(', ');
await c.run(`CREATE VIEW records AS SELECT ${cols}, dt FROM read_parquet('${dir}/records/dt=*/*.parquet', hive_partitioning=true, hive_types={'dt':'VARCHAR'})`);
await c.run(`CREATE VIEW outcomes AS SELECT ${Object.keys(q.OUTCOME_COLUMNS).join(', ')}, dt FROM read_parquet('${dir}/outcomes/dt=*/*.parquet', hive_partitioning=true, hive_types={'dt':'VARCHAR'})`);
let sql = q.totals.sql; let params = q.totals.parameters;
if (variant.includes('dtkey')) sql = sql.replace('GROUP BY request_id', 'GROUP BY dt, request_id').replace('r.requestId AS request_id,', 'r.requestId AS request_id, r.dt AS dt,');
if (variant.includes('nodistinct')) sql = sql.replace('count(*) - count(DISTINCT candidate_key)', 'count(*) - 1');
if (variant.includes('requests')) { sql = sql.replace(/,\njudged_requests AS[\s\S]*$/, '\nSELECT count(*), sum(served_latency), count(reason), sum(candidate_correct), sum(duplicate_lines), count(m_score_delta), count(served_status), count(candidate_status), count(served_variant) FROM requests'); params = params.slice(0, 9); }
if (variant.includes('users')) { sql = q.users.sql; params = q.users.parameters; }
for (let i = 0; i < 2; i++) {
  const t = performance.now(); const cpu = process.cpuUsage();
  try { const r = await c.runAndReadAll(sql, params);
  const used = process.cpuUsage(cpu);
  console.log(variant, r.getRowObjectsJS().length, 'rows', Math.round(performance.now() - t), 'ms wall', Math.round((used.user + used.system) / 1000), 'ms cpu', 'rss', Math.round(process.memoryUsage().rss/1e6)); } catch (e) { console.log(variant, String(e.message).slice(0, 80)); }
}
console.log('maxrss', Math.round(process.resourceUsage().maxRSS / 1024));
