/**
 * `npm run bench`: user-path overhead of the router against the floor and the naive design,
 * then the cold-start proxies (bundle size and module load time). Prints markdown for
 * BENCHMARKS.md to stdout; progress goes to stderr.
 *
 *   npm run bench                  everything (about 3 minutes)
 *   npm run bench -- --bundles     bundles only
 *   npm run bench -- --latency     user path only
 *   npm run bench -- --quick       small counts, to check the harness (numbers not meaningful)
 *   npm run bench -- --loads N     fresh processes per bundle for the load-time medians (default 5)
 *   npm run bench -- --bundles --keep DIR        keep the bundles in DIR/<handler>/ (a later baseline)
 *   npm run bench -- --bundles --baseline DIR    load DIR's bundles in turn with these and compare
 *   npm run bench -- --out FILE    also write the markdown to FILE and the raw results to FILE.json
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureBundles, renderBundles } from './bundles';
import { renderUserPath } from './latency/report';
import { measureUserPath } from './latency/user-path';
import { measureTracerTax, renderTracerTax } from './tracer-tax';

const USER_PATH = {
  productionLatencyMs: 20,
  candidateLatencyMs: 40,
  queueDelayMs: 20,
  shortBudgetMs: 10,
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bundles: { type: 'boolean' },
      latency: { type: 'boolean' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
      loads: { type: 'string' },
      keep: { type: 'string' },
      baseline: { type: 'string' },
    },
  });
  const runBundles = values.bundles || !values.latency;
  const runLatency = values.latency || !values.bundles;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = new Date();
  const loadAtStart = loadavg();
  const sections: string[] = [machineSection(started)];
  const raw: Record<string, unknown> = {};

  if (runLatency) {
    const counts = values.quick
      ? {
          perVariantC1: 40,
          perVariantC32: 200,
          slowPerVariantC1: 30,
          slowPerVariantC32: 100,
          warmupPerVariant: 10,
          profileRequests: 30,
        }
      : {
          perVariantC1: 500,
          perVariantC32: 2000,
          slowPerVariantC1: 250,
          slowPerVariantC32: 1000,
          warmupPerVariant: 30,
          profileRequests: 100,
        };
    const result = await measureUserPath({ ...USER_PATH, ...counts, log });
    raw.userPath = result;
    sections.push(
      `## User-path overhead\n\nSimulated model latency: production ${USER_PATH.productionLatencyMs} ms, candidate ${USER_PATH.candidateLatencyMs} ms, no jitter. Dispatch budgets: ${result.defaultBudgetMs} ms (dev stage default) and ${result.shortBudgetMs} ms (below the injected queue latency).\n`,
      renderUserPath(result, USER_PATH.queueDelayMs),
    );
    log('tracer tax: fresh processes with and without Powertools Tracer…');
    const tax = await measureTracerTax({ runs: values.quick ? 1 : 3, requests: values.quick ? 300 : 1000 });
    raw.tracerTax = tax;
    sections.push('### What loading the Tracer costs every call\n', renderTracerTax(tax));
  }
  if (runBundles) {
    log('bundling the handlers…');
    const loads = values.loads === undefined ? (values.quick ? 3 : 5) : Number(values.loads);
    if (!Number.isInteger(loads) || loads < 1)
      throw new Error('--loads must be a whole number of at least 1');
    const bundles = await measureBundles({
      loads,
      log,
      ...(values.keep ? { keepDir: resolve(values.keep) } : {}),
      ...(values.baseline ? { baselineDir: resolve(values.baseline) } : {}),
    });
    raw.bundles = bundles;
    sections.push('## Cold-start proxies\n', renderBundles(bundles));
  }

  const loadAtEnd = loadavg();
  sections.push(
    `Load average (1/5/15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join(' / ')}, at end ${loadAtEnd.map((l) => l.toFixed(2)).join(' / ')}; run took ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s.\n`,
  );
  const markdown = sections.join('\n');
  process.stdout.write(`${markdown}\n`);
  if (values.out) {
    writeFileSync(values.out, `${markdown}\n`);
    writeFileSync(`${values.out}.json`, `${JSON.stringify(raw, null, 2)}\n`);
  }
}

function machineSection(at: Date): string {
  const cpu = cpus()[0]?.model ?? 'unknown';
  return [
    '## Machine',
    '',
    `- CPU: ${cpu}, ${cpus().length} cores`,
    `- Node.js ${process.version} (${process.platform}/${process.arch})`,
    `- Date: ${at.toISOString()}`,
    `- Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
    '',
  ].join('\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
