import { parseArgs } from 'node:util';
import type { ComparisonRecord } from '../lambda/core/comparison-record';
import { seededRandom, typicalChurnCustomer } from './models/traffic';

const USAGE = `Usage: npm run demo -- [--url URL] [--requests N] [--users N] [--concurrency N] [--seed N]

Sends realistic churn traffic to a running local system (npm start) or a deployed API without
auth, then reads back a sample of the comparisons and summarises them.`;

interface Sent {
  readonly requestId: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly shadow: string | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      requests: { type: 'string', default: '200' },
      users: { type: 'string', default: '40' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '7' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  const url = values.url.replace(/\/$/, '');
  const total = positive('--requests', values.requests);
  const users = positive('--users', values.users);
  const concurrency = positive('--concurrency', values.concurrency);
  const random = seededRandom(positive('--seed', values.seed));

  console.log(`Sending ${total} predictions from ${users} users to ${url} …`);
  const sent: Sent[] = [];
  const progress = new Progress(total);
  let next = 0;
  const sendOne = async (): Promise<void> => {
    while (next < total) {
      next += 1;
      // Sticky users: the same X-User-Id always lands in the same bucket.
      const user = `user-${String(1 + Math.floor(random() * users)).padStart(3, '0')}`;
      const result = await predict(url, user, typicalChurnCustomer(random));
      sent.push(result);
      progress.update(sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sendOne)).catch((error: Error) => {
    progress.done();
    console.error(`\nCannot reach ${url}: ${error.message}. Is local mode running (npm start)?`);
    process.exit(1);
  });
  progress.done();

  const sampled = sent.filter((s) => s.status === 200 && s.shadow === 'sampled');
  const sample = sampled
    .filter((_, i) => i % Math.max(1, Math.floor(sampled.length / 100)) === 0)
    .slice(0, 100);
  console.log(`\nReading ${sample.length} of ${sampled.length} shadow comparisons back …`);
  const records = await fetchComparisons(
    url,
    sample.map((s) => s.requestId),
  );
  printSummary(sent, records, sample.length);
}

async function predict(url: string, user: string, input: unknown): Promise<Sent> {
  const started = performance.now();
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-User-Id': user },
    body: JSON.stringify(input),
  });
  await response.arrayBuffer();
  return {
    requestId: response.headers.get('x-request-id') ?? '',
    status: response.status,
    latencyMs: performance.now() - started,
    shadow: response.headers.get('x-shadow'),
  };
}

/** Comparisons are written asynchronously; give the worker a few seconds to catch up. */
async function fetchComparisons(url: string, requestIds: readonly string[]): Promise<ComparisonRecord[]> {
  const found = new Map<string, ComparisonRecord>();
  const deadline = Date.now() + 15_000;
  while (found.size < requestIds.length && Date.now() < deadline) {
    for (const id of requestIds) {
      if (found.has(id)) continue;
      const response = await fetch(`${url}/comparisons/${encodeURIComponent(id)}`);
      if (response.status === 200) found.set(id, (await response.json()) as ComparisonRecord);
      else await response.arrayBuffer();
    }
    if (found.size < requestIds.length) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return [...found.values()];
}

function printSummary(sent: readonly Sent[], records: readonly ComparisonRecord[], wanted: number): void {
  const ok = sent.filter((s) => s.status === 200).length;
  const statuses = countBy(sent.map((s) => String(s.status)));
  const callerLatency = percentiles(sent.map((s) => s.latencyMs));
  console.log('\nCallers');
  console.log(`  ${ok}/${sent.length} answered 200  (${formatCounts(statuses)})`);
  console.log(`  latency seen by callers: ${callerLatency}`);
  console.log(
    `  shadow: ${sent.filter((s) => s.shadow === 'sampled').length} sampled, ${sent.filter((s) => s.shadow === 'skipped').length} skipped`,
  );

  console.log(`\nComparisons (${records.length} of ${wanted} sampled records found)`);
  const candidates = records.flatMap((r) => r.candidates);
  for (const endpoint of [...new Set(candidates.map((c) => c.endpoint))]) {
    const mine = candidates.filter((c) => c.endpoint === endpoint);
    const compared = mine.filter((c) => c.comparison);
    const agreed = compared.filter((c) => c.comparison?.agree).length;
    const errors = countBy(
      mine.filter((c) => c.result.status === 'error').map((c) => c.result.error?.code ?? 'error'),
    );
    const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
    console.log(`  ${endpoint}:`);
    console.log(
      `    agreement ${compared.length ? `${agreed}/${compared.length} (${pct(agreed / compared.length)})` : 'n/a'}`,
    );
    console.log(`    errors ${errorCount}/${mine.length}${errorCount ? `  (${formatCounts(errors)})` : ''}`);
    console.log(
      `    latency ${percentiles(mine.filter((c) => c.result.status === 'ok').map((c) => c.result.latencyMs))}`,
    );
  }
  const production = records.map((r) => r.production).filter((p) => p.status === 'ok');
  console.log(`  production latency ${percentiles(production.map((p) => p.latencyMs))}`);
  console.log(`  served: ${formatCounts(countBy(records.map((r) => r.servedVariant)))}`);
  if (records.length < wanted) {
    console.log(
      `\n  ${wanted - records.length} sampled requests have no comparison yet (worker still busy, or failing: see the lambda log)`,
    );
  }
}

class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);
  private lastDecile = -1;
  constructor(private readonly total: number) {}

  update(sent: readonly Sent[]): void {
    const ok = sent.filter((s) => s.status === 200).length;
    const line = `  ${bar(sent.length / this.total)} ${sent.length}/${this.total}  ok ${ok}  other ${sent.length - ok}`;
    if (this.tty) process.stdout.write(`\r${line}`);
    else {
      const decile = Math.floor((sent.length / this.total) * 10);
      if (decile !== this.lastDecile) console.log(line);
      this.lastDecile = decile;
    }
  }

  done(): void {
    if (this.tty) process.stdout.write('\n');
  }
}

function bar(share: number): string {
  const width = 30;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function percentiles(values: readonly number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `p50 ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${at(1).toFixed(0)} ms`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ');
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer\n\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
