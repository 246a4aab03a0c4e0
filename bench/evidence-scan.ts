/**
 * What Athena would scan per report, from the evidence log's file sizes: `npm run bench:evidence-scan`.
 *
 * Generates realistic record and outcome lines (seeded: request ids, salted user-key hashes,
 * latencies, labels, comparator numbers as the worker writes them), serialises them exactly as
 * the Firehose adapter does (one JSON line each, newline-terminated) and gzips them in objects
 * the size Firehose's buffer produces at a given traffic. Athena reads whole gzipped JSON
 * objects (no column pruning for JSON), so the bytes a query scans are the compressed bytes of
 * the partitions it reads; a report runs one statement without a canary, two with one, each
 * reading the records and outcomes once. Athena bills at least 10 MB per query.
 */
import { gzipSync } from 'node:zlib';
import { EVIDENCE_LOG_VERSION, type OutcomeLine, type RecordLine } from '../lambda/core/evidence/log-lines';

const MILLION = 1_000_000;
const SAMPLE_LINES = 200_000;
const ATHENA_MIN_BILLED_BYTES = 10 * MILLION;
const ATHENA_USD_PER_TB = 5;

/** Mulberry32: small, seeded, good enough for realistic bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(20261130);
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
