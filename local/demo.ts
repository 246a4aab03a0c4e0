import { parseArgs } from 'node:util';
import type { ComparisonRecord } from '../lambda/core/comparison-record';
import { argumentProblem, USER_ERROR_EXIT_CODE, UserError } from '../lambda/core/errors';
import type { ServedVariant } from '../lambda/core/variants';
import {
  type ConversionRates,
  conversionPost,
  DEFAULT_CONVERSION,
  labelPost,
  type OutcomePost,
  type PlannedRequest,
  parseConversionRates,
  parseCount,
  parseShare,
  planRequests,
} from './demo-traffic';
import { seededRandom } from './models/traffic';

const USAGE = `Usage: npm run demo -- [options]

Sends realistic churn traffic to a running local system (npm start) or a deployed API without
auth, posts outcomes the way a shop would, then summarises the comparisons and the verdict.

  --url URL              API to call (default http://localhost:3000)
  --requests N           predictions to send (default 1000)
  --users N              distinct sticky users (default 200)
  --concurrency N        requests in flight (default 4)
  --seed N               traffic seed: the same seed sends the same run (default 7)
  --conversion RATES     share of answered requests that convert, per served variant:
                         production=0.10,canary=0.09 (default 0.10 for both)
  --labels SHARE         share of requests whose true label is posted after the traffic,
                         as a separate outcome post (default 0.5)
  --no-outcomes          post no outcomes at all
  -h, --help             this text`;

interface Sent {
  readonly requestId: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly shadow: string | null;
  readonly servedVariant: ServedVariant | null;
}

interface DemoOptions {
  readonly url: string;
  readonly requests: number;
  readonly users: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly conversion: ConversionRates;
  readonly labelShare: number;
  readonly outcomes: boolean;
}

function readOptions(argv: readonly string[]): DemoOptions | undefined {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new UserError(`${argumentProblem(error)} (npm run demo -- --help lists the options)`);
  }
  if (values.help) return undefined;
  return {
    url: values.url.replace(/\/$/, ''),
    requests: parseCount('--requests', values.requests),
    users: parseCount('--users', values.users),
    concurrency: parseCount('--concurrency', values.concurrency),
    seed: parseCount('--seed', values.seed),
    conversion:
      values.conversion === undefined ? DEFAULT_CONVERSION : parseConversionRates(values.conversion),
    labelShare: parseShare('--labels', values.labels),
    outcomes: !values['no-outcomes'],
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      requests: { type: 'string', default: '1000' },
      users: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '7' },
      conversion: { type: 'string' },
      labels: { type: 'string', default: '0.5' },
      'no-outcomes': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options === undefined) return console.log(USAGE);
  const { url, requests: total } = options;
  const plan = planRequests(seededRandom(options.seed), {
    requests: total,
    users: options.users,
    labelShare: options.outcomes ? options.labelShare : 0,
  });

  console.log(`Sending ${total} predictions from ${options.users} users to ${url} …`);
  const sent: (Sent & { planned: PlannedRequest })[] = [];
  const conversions: OutcomeResult[] = [];
  const progress = new Progress(total);
  await inParallel(plan, options.concurrency, async (planned) => {
    const result = await predict(url, planned);
    sent.push(result);
    progress.update(sent);
    if (options.outcomes && result.status === 200 && result.servedVariant !== null) {
      // The shop learns soon whether the customer took the offer.
      const post = conversionPost(planned, result.requestId, result.servedVariant, options.conversion);
      conversions.push({ ...(await postOutcome(url, post)), variant: result.servedVariant, post });
    }
  }).catch((error: Error) => {
    progress.done();
    throw new UserError(`cannot reach ${url} (${error.message}): is local mode running (npm start)?`);
  });
  progress.done();

  // Labels come much later (the customer churned or stayed), each as its own post.
  const labelPosts = sent
    .filter((s) => s.status === 200)
    .map((s) => labelPost(s.planned, s.requestId))
    .filter((post): post is OutcomePost => post !== undefined);
  const labels: OutcomeResult[] = [];
  if (labelPosts.length > 0) {
    console.log(`\nPosting ${labelPosts.length} true labels, as they become known …`);
    await inParallel(labelPosts, options.concurrency, async (post) => {
      labels.push({ ...(await postOutcome(url, post)), variant: null, post });
    });
  }

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
  printOutcomes(conversions, labels);
  await printVerdict(url, sampled.length);
}

interface OutcomeResult {
  readonly status: number;
  readonly joinStatus: string | undefined;
  readonly variant: ServedVariant | null;
  readonly post: OutcomePost;
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

async function postOutcome(
  url: string,
  post: OutcomePost,
): Promise<{ status: number; joinStatus: string | undefined }> {
  const response = await fetch(`${url}/outcomes`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(post),
  });
  const body = (await response.json().catch(() => ({}))) as { status?: string };
  return { status: response.status, joinStatus: body.status };
}

async function predict(url: string, planned: PlannedRequest): Promise<Sent & { planned: PlannedRequest }> {
  const started = performance.now();
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-User-Id': planned.user },
    body: JSON.stringify(planned.customer),
  });
  await response.arrayBuffer();
  const variant = response.headers.get('x-served-variant');
  return {
    planned,
    requestId: response.headers.get('x-request-id') ?? '',
    status: response.status,
    latencyMs: performance.now() - started,
    shadow: response.headers.get('x-shadow'),
    servedVariant: variant === 'production' || variant === 'canary' ? variant : null,
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
  const production = records.map((r) => r.served).filter((p) => p.status === 'ok');
  console.log(`  production latency ${percentiles(production.map((p) => p.latencyMs))}`);
  console.log(`  served: ${formatCounts(countBy(records.map((r) => r.servedVariant)))}`);
  if (records.length < wanted) {
    console.log(
      `\n  ${wanted - records.length} sampled requests have no comparison yet (worker still busy, or failing: see the lambda log)`,
    );
  }
}

function printOutcomes(conversions: readonly OutcomeResult[], labels: readonly OutcomeResult[]): void {
  if (conversions.length + labels.length === 0) return;
  console.log('\nOutcomes posted (POST /outcomes)');
  for (const variant of ['production', 'canary'] as const) {
    const mine = conversions.filter((c) => c.variant === variant);
    if (mine.length === 0) continue;
    const converted = mine.filter((c) => 'converted' in c.post && c.post.converted).length;
    console.log(`  ${variant}: ${converted}/${mine.length} converted (${pct(converted / mine.length)})`);
  }
  if (labels.length > 0) console.log(`  true labels: ${labels.length}`);
  const all = [...conversions, ...labels];
  const statuses = countBy(all.map((o) => (o.status === 202 ? (o.joinStatus ?? '202') : `HTTP ${o.status}`)));
  console.log(`  answers: ${formatCounts(statuses)}`);
}

interface ReportSummary {
  readonly samples?: { readonly records: number; readonly comparisons: number; readonly outcomes: number };
  readonly verdict?: { readonly decision: string; readonly reasons: readonly string[] };
}

/** Waits for the worker to catch up (the record count stops growing), then shows the verdict. */
async function printVerdict(url: string, sampled: number): Promise<void> {
  if (sampled === 0) return;
  const deadline = Date.now() + 60_000;
  let report: ReportSummary | undefined;
  let previous = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const response = await fetch(`${url}/report`);
    if (!response.ok) {
      console.log(`\nThe report is not available (HTTP ${response.status}).`);
      return;
    }
    report = (await response.json()) as ReportSummary;
    const records = report.samples?.records ?? 0;
    if ((records === previous && records > 0) || Date.now() > deadline) break;
    previous = records;
  }
  const verdict = report?.verdict;
  if (verdict === undefined) return;
  const samples = report?.samples;
  console.log(
    `\nVerdict (GET /report, ${samples?.comparisons ?? 0} comparisons, ${samples?.outcomes ?? 0} outcomes): ${verdict.decision}`,
  );
  for (const reason of verdict.reasons) console.log(`  - ${reason}`);
  console.log('\nThe whole report: npx shadow-rollout report   (or --html report.html for charts)');
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

main().catch((error: unknown) => {
  if (error instanceof UserError) {
    console.error(`Error: ${error.message}`);
    process.exit(USER_ERROR_EXIT_CODE);
  }
  console.error(error);
  process.exit(1);
});
