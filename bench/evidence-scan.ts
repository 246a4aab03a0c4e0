/**
 * What Athena would scan per report, from the evidence log's file sizes: `npm run bench:evidence-scan`.
 *
 * Generates realistic record and outcome lines (seeded: request ids, salted user-key hashes,
 * latencies, labels, comparator numbers as the worker writes them), serialises them exactly as
 * the Firehose adapter does (one JSON line each, newline-terminated) and gzips them in objects
 * the size Firehose's buffer produces at a given traffic. Athena reads whole gzipped JSON
 * objects (no column pruning for JSON), so the bytes a query scans are the compressed bytes of
 * the partitions it reads; a report runs two statements, each reading the records and outcomes
 * once. Athena bills at least 10 MB per query. Then the same for Parquet, per column read.
 */
import { gzipSync } from 'node:zlib';
import { EVIDENCE_LOG_VERSION, type OutcomeLine, type RecordLine } from '../lambda/core/evidence/log-lines';
import { mulberry32 } from '../lambda/core/stats/random';

const MILLION = 1_000_000;
const SAMPLE_LINES = 200_000;
const ATHENA_MIN_BILLED_BYTES = 10 * MILLION;
const ATHENA_USD_PER_TB = 5;

const random = mulberry32(20261130);
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;
const users = Array.from({ length: 20_000 }, () => hex(64));
const latency = (median: number) => Math.round(median * Math.exp((random() - 0.5) * 1.2) * 1000) / 1000;

function recordLine(receivedMs: number): RecordLine {
  const receivedAt = new Date(receivedMs).toISOString();
  const servedOk = random() > 0.005;
  const candidateOk = random() > 0.01;
  const servedLabel = random() > 0.7 ? 'churn' : 'stay';
  const candidateLabel = random() > 0.08 ? servedLabel : servedLabel === 'churn' ? 'stay' : 'churn';
  const agree = servedOk && candidateOk ? servedLabel === candidateLabel : null;
  return {
    v: EVIDENCE_LOG_VERSION,
    requestId: uuid(),
    experiment: '7',
    receivedAt,
    receivedAtMs: receivedMs,
    dt: receivedAt.slice(0, 10),
    servedVariant: 'production',
    userKey: users[Math.floor(random() * users.length)] ?? null,
    shadowSampled: true,
    servedEndpoint: 'churn-v1',
    servedStatus: servedOk ? 'ok' : 'error',
    servedErrorCode: servedOk ? null : 'model_error',
    servedLatencyMs: latency(42),
    servedLabel: servedOk ? servedLabel : null,
    candidateEndpoint: 'churn-v2',
    candidateStatus: candidateOk ? 'ok' : 'error',
    candidateErrorCode: candidateOk ? null : 'model_timeout',
    candidateLatencyMs: latency(48),
    candidateLabel: candidateOk ? candidateLabel : null,
    agree,
    reason: agree === false ? 'label differs' : null,
    noiseAgree: random() < 0.01 ? random() > 0.02 : null,
    metricEqual: null,
    metricLabelMatch: agree === null ? null : agree ? 1 : 0,
    metricScoreDelta: agree === null ? null : Math.round(random() * 0.2 * 1e6) / 1e6,
    metricFieldsChecked: null,
    metricFieldsDisagreeing: null,
    metricMaxAbsDelta: null,
    metricOverlap: null,
    metricRankCorrelation: null,
    timeoutMs: 3000,
    servedTimeoutMs: 2000,
  };
}

function outcomeLine(postedMs: number): OutcomeLine {
  const postedAt = new Date(postedMs).toISOString();
  return {
    v: EVIDENCE_LOG_VERSION,
    requestId: uuid(),
    postedAt,
    dt: postedAt.slice(0, 10),
    converted: random() > 0.9,
    value: random() > 0.5 ? Math.round(random() * 10_000) / 100 : null,
    label: random() > 0.6 ? (random() > 0.7 ? 'churn' : 'stay') : null,
  };
}

interface Sizes {
  readonly jsonBytesPerLine: number;
  readonly gzipBytesPerLine: number;
}

/** Bytes per line as JSON and gzipped in objects of `linesPerObject` lines (Firehose's buffer). */
function sizes(lines: readonly string[], linesPerObject: number): Sizes {
  let json = 0;
  let gzip = 0;
  for (let start = 0; start < lines.length; start += linesPerObject) {
    const object = Buffer.from(lines.slice(start, start + linesPerObject).join(''), 'utf8');
    json += object.byteLength;
    gzip += gzipSync(object).byteLength;
  }
  return { jsonBytesPerLine: json / lines.length, gzipBytesPerLine: gzip / lines.length };
}

const start = Date.UTC(2026, 10, 30);
const records = Array.from(
  { length: SAMPLE_LINES },
  (_, i) => `${JSON.stringify(recordLine(start + i * 10))}\n`,
);
const outcomes = Array.from(
  { length: SAMPLE_LINES },
  (_, i) => `${JSON.stringify(outcomeLine(start + i * 10))}\n`,
);

const mb = (bytes: number) => (bytes / MILLION).toFixed(1);
console.log(
  `# Evidence log: bytes Athena scans per report per million records (${new Date().toISOString()})`,
);
console.log(
  `machine: node ${process.version}, ${SAMPLE_LINES.toLocaleString('en')} generated lines of each kind, seeded`,
);
console.log('');
console.log(
  '| object size (lines, ≈ traffic × buffer) | record JSON B/line | record gzip B/line | outcome gzip B/line | records gz MB per 1M | one statement, 1M records + 100k outcomes (MB) | report, 2 statements (MB) | USD per report at $5/TB |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const linesPerObject of [600, 6_000, 60_000]) {
  const r = sizes(records, linesPerObject);
  const o = sizes(outcomes, linesPerObject);
  const perStatement = r.gzipBytesPerLine * MILLION + o.gzipBytesPerLine * (MILLION / 10);
  const perReport = 2 * Math.max(perStatement, ATHENA_MIN_BILLED_BYTES);
  console.log(
    `| ${linesPerObject.toLocaleString('en')} | ${r.jsonBytesPerLine.toFixed(0)} | ${r.gzipBytesPerLine.toFixed(0)} | ${o.gzipBytesPerLine.toFixed(0)} | ${mb(r.gzipBytesPerLine * MILLION)} | ${mb(perStatement)} | ${mb(perReport)} | ${((perReport / 1e12) * ATHENA_USD_PER_TB).toFixed(4)} |`,
  );
}

/**
 * With Parquet (Firehose record-format conversion through the Glue table, SNAPPY, its default),
 * Athena reads only the columns a statement uses: their compressed sizes, from the Parquet
 * footer of the same lines written by DuckDB (row groups of ~123k rows; Firehose writes one file
 * per buffer, so at most a few row groups per object, which changes little per column).
 */
const RECORD_COLUMNS_READ = [
  'requestid',
  'experiment',
  'receivedatms',
  'servedvariant',
  'userkey',
  'shadowsampled',
  'servedendpoint',
  'servedstatus',
  'servedlatencyms',
  'servedtimeoutms',
  'servedlabel',
  'noiseagree',
  'candidateendpoint',
  'candidatestatus',
  'candidatelatencyms',
  'timeoutms',
  'candidatelabel',
  'agree',
  'reason',
  'metricequal',
  'metriclabelmatch',
  'metricscoredelta',
  'metricfieldschecked',
  'metricfieldsdisagreeing',
  'metricmaxabsdelta',
  'metricoverlap',
  'metricrankcorrelation',
];
const OUTCOME_COLUMNS_READ = ['requestid', 'postedat', 'converted', 'value', 'label'];

async function parquetBytesPerLine(
  lines: readonly string[],
  relation: 'records' | 'outcomes',
  columnsRead: readonly string[],
  compression: 'snappy' | 'gzip',
): Promise<{ all: number; read: number }> {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { RECORD_COLUMNS, OUTCOME_COLUMNS } = await import('../lambda/core/evidence/log-schema');
  const dir = mkdtempSync(join(tmpdir(), 'evidence-scan-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    writeFileSync(join(dir, 'lines.jsonl'), lines.join(''));
    const columns = relation === 'records' ? RECORD_COLUMNS : OUTCOME_COLUMNS;
    const spec = Object.entries(columns)
      .map(([name, type]) => `${name}: '${type}'`)
      .join(', ');
    // Glue lower-cases column names; the Parquet file Firehose writes has the table's names.
    const select = Object.keys(columns)
      .map((name) => `${name} AS ${name.toLowerCase()}`)
      .join(', ');
    const file = join(dir, 'lines.parquet');
    await connection.run(
      `COPY (SELECT ${select} FROM read_json('${join(dir, 'lines.jsonl')}', format = 'newline_delimited', columns = {${spec}})) TO '${file}' (FORMAT parquet, COMPRESSION ${compression})`,
    );
    const reader = await connection.runAndReadAll(
      `SELECT path_in_schema AS col, SUM(total_compressed_size) AS bytes FROM parquet_metadata('${file}') GROUP BY path_in_schema`,
    );
    let all = 0;
    let read = 0;
    for (const row of reader.getRowObjectsJS()) {
      const bytes = Number(row.bytes);
      all += bytes;
      if (columnsRead.includes(String(row.col))) read += bytes;
    }
    return { all: all / lines.length, read: read / lines.length };
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function parquetTable(): Promise<void> {
  console.log('');
  console.log(
    '| Parquet (Firehose conversion) | record B/line, all columns | record B/line, columns a report reads | outcome B/line, read | one statement, 1M records + 100k outcomes (MB) | report, 2 statements (MB, ≥ 10 MB billed each) | USD per report at $5/TB |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const compression of ['snappy', 'gzip'] as const) {
    const r = await parquetBytesPerLine(records, 'records', RECORD_COLUMNS_READ, compression);
    const o = await parquetBytesPerLine(outcomes, 'outcomes', OUTCOME_COLUMNS_READ, compression);
    const perStatement = r.read * MILLION + o.read * (MILLION / 10);
    const perReport = 2 * Math.max(perStatement, ATHENA_MIN_BILLED_BYTES);
    console.log(
      `| ${compression.toUpperCase()} | ${r.all.toFixed(1)} | ${r.read.toFixed(1)} | ${o.read.toFixed(1)} | ${mb(perStatement)} | ${mb(perReport)} | ${((perReport / 1e12) * ATHENA_USD_PER_TB).toFixed(4)} |`,
    );
  }
}

parquetTable().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
