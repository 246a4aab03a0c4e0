import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { generateEvidence } from './report/generate';

/**
 * `npm run bench:report [-- --sizes 10000,100000,1000000] [--runs 3] [--memory-limit 256MB]
 * [--threads 2] [--json-report-max 1000000]`: report time and peak memory over a generated
 * evidence log in local mode, per size:
 * 1. write N requests straight into a fresh log as JSON lines (bench/report/generate.ts);
 * 2. the first report over the uncompacted log (what a user sees after a burst of lines not yet
 *    compacted: where parsing every column runs out of memory, the engine compacts first and
 *    that time is in the report's; skipped above --json-report-max);
 * 3. the compaction to Parquet (its own time, bytes in and out, peak RSS);
 * 4. `runs` reports over the compacted log: the first (which computes the whole days' partials),
 *    the median of the others (which read them), peak RSS.
 * Each step runs in a fresh process of plain Node (the step's code bundled with esbuild, DuckDB
 * external), so its peak RSS is that step's alone, without tsx (~45 MB) in it. Load averages are
 * recorded per step: the machine is shared, and ratios are comparable only within one run.
 */
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    runs: { type: 'string', default: '3' },
    'memory-limit': { type: 'string', default: '256MB' },
    threads: { type: 'string', default: '2' },
    'json-report-max': { type: 'string', default: '1000000' },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
const runs = Number(values.runs);
const memoryLimit = values['memory-limit'] ?? '256MB';
const threads = values.threads ?? '2';
const jsonReportMax = Number(values['json-report-max']);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !(runs >= 1)) {
  process.stderr.write('--sizes must be positive integers separated by commas, --runs a positive integer\n');
  process.exit(2);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const load = () => loadavg()[0]?.toFixed(1) ?? '?';
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`;

interface ReportStep {
  readonly timingsMs: number[];
  readonly cpuMs: number[];
  readonly records: number;
  readonly maxRssMb: number;
}
interface CompactStep {
  readonly jsonFiles: number;
  readonly jsonBytes: number;
  readonly parquetBytes: number;
  readonly ms: number;
  readonly maxRssMb: number;
}

/** The steps' code as one plain-Node script, where it resolves DuckDB from the project. */
function bundle(): string {
  const outfile = join(__dirname, '..', 'node_modules', '.cache', 'bench-report', 'run-report.mjs');
  buildSync({
    entryPoints: [join(__dirname, 'report', 'run-report.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@duckdb/node-api'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

function step<T>(script: string, args: readonly string[]): T {
  const child = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`${args[0]} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim()) as T;
}

function backdate(dir: string, ms: number): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) utimesSync(join(entry.parentPath, entry.name), ms / 1000, ms / 1000);
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const script = bundle();
  const rows: string[] = [];
  const medians = new Map<number, number>();
  const cpuMedians = new Map<number, number>();
  try {
    for (const size of sizes) {
      const dir = join(work, `log-${size}`);
      try {
        const generated = await generateEvidence(dir, size);
        // The burst was written by a process no longer running, a while ago: its files are
        // closed for compaction (a live writer's would be closed by rotating it).
        backdate(dir, Date.now() - 3_600_000);
        const now = String(generated.endMs);
        let uncompacted = '—';
        if (size <= jsonReportMax) {
          const before = load();
          const json = step<ReportStep>(script, ['report', dir, now, '1', memoryLimit, threads]);
          if (json.records !== size)
            throw new Error(`the report saw ${json.records} records, expected ${size}`);
          uncompacted = `${ms(json.timingsMs[0] as number)} (CPU ${ms(json.cpuMs[0] as number)}), ${Math.round(json.maxRssMb)} MB (load ${before})`;
        }
        const compactLoad = load();
        const compaction = step<CompactStep>(script, ['compact', dir, memoryLimit, threads]);
        const reportLoad = load();
        const report = step<ReportStep>(script, ['report', dir, now, String(runs), memoryLimit, threads]);
        if (report.records !== size)
          throw new Error(`the report saw ${report.records} records, expected ${size}`);
        // The first run computes the whole days' partials; the later ones read them (what every
        // report after the first sees, until a new day is whole).
        const later = (xs: readonly number[]) => (xs.length > 1 ? xs.slice(1) : xs);
        const m = median(later(report.timingsMs));
        medians.set(size, m);
        cpuMedians.set(size, median(later(report.cpuMs)));
        rows.push(
          `| ${size.toLocaleString('en-US')} | ${uncompacted} | ${ms(compaction.ms)}: ${mb(compaction.jsonBytes)} JSON → ${mb(compaction.parquetBytes)} Parquet, ${Math.round(compaction.maxRssMb)} MB (load ${compactLoad}) | ${ms(m)} | ${ms(median(later(report.cpuMs)))} | ${ms(report.timingsMs[0] as number)} | ${Math.round(report.maxRssMb)} MB | ${reportLoad} |`,
        );
        process.stderr.write(`${size}: ${rows[rows.length - 1]}\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const lines = [
    `npm run bench:report -- --sizes ${sizes.join(',')} --runs ${runs} --memory-limit ${memoryLimit} --threads ${threads}; ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    '',
    '| requests | first report, uncompacted JSON (time, peak RSS) | compaction (time: bytes, peak RSS) | report over Parquet (median of runs 2..N) | its CPU time (median) | first run (computes the day partials) | peak RSS | load (1 min) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
  const growth = (of: Map<number, number>) => {
    const small = of.get(100_000);
    const large = of.get(1_000_000);
    return small !== undefined && large !== undefined ? `×${(large / small).toFixed(2)}` : undefined;
  };
  if (growth(medians) !== undefined)
    lines.push(
      '',
      `Report growth 100k → 1M (medians, this run): time ${growth(medians)}, CPU time ${growth(cpuMedians)} (target ≤ 3×).`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
