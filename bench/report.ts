import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateEvidence } from './report/generate';

/**
 * `npm run bench:report [-- --sizes 10000,100000,1000000] [--runs 3]`: report time and peak
 * memory over a generated evidence log in local mode (DuckDB over the JSON-lines files), per
 * size. Each size: write N requests straight into a fresh log (bench/report/generate.ts), then
 * run the report (reportFor: both SQL statements, rows → aggregates → verdict) `runs` times in
 * a fresh process; report the median, the first (cold) run and that process's peak RSS.
 */
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    runs: { type: 'string', default: '3' },
    // DuckDB's memory cap in the report process (local mode's default is 192MB).
    'memory-limit': { type: 'string', default: '192MB' },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
const runs = Number(values.runs);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !(runs >= 1)) {
  process.stderr.write('--sizes must be positive integers separated by commas, --runs a positive integer\n');
  process.exit(2);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const rows: string[] = [];
  const medians = new Map<number, number>();
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const generated = await generateEvidence(dir, size);
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(__dirname, 'report', 'run-report.ts'),
          dir,
          String(generated.endMs),
          String(runs),
          values['memory-limit'] ?? '192MB',
        ],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      if (child.status !== 0) throw new Error(`report run failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout.trim()) as {
        timingsMs: number[];
        records: number;
        maxRssMb: number;
      };
      if (result.records !== size)
        throw new Error(`the report saw ${result.records} records, expected ${size}`);
      const m = median(result.timingsMs);
      medians.set(size, m);
      const mbPerMillion = ((generated.recordBytes / generated.recordLines) * 1e6) / 1e6;
      rows.push(
        `| ${size.toLocaleString('en-US')} | ${generated.recordLines.toLocaleString('en-US')} | ${Math.round(m)} ms | ${Math.round(result.timingsMs[0] as number)} ms | ${Math.round(result.maxRssMb)} MB | ${Math.round(mbPerMillion)} MB |`,
      );
      process.stderr.write(
        `${size}: median ${Math.round(m)} ms, peak RSS ${Math.round(result.maxRssMb)} MB\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const lines = [
    `npm run bench:report -- --sizes ${sizes.join(',')} --runs ${runs} --memory-limit ${values['memory-limit']}; load average ${loadavg()[0]?.toFixed(1)}; ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    '',
    '| requests | record lines | report (median) | first run | peak RSS (report process) | JSON per million record lines |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
  const small = medians.get(100_000);
  const large = medians.get(1_000_000);
  if (small !== undefined && large !== undefined)
    lines.push('', `Time growth 100k → 1M: ×${(large / small).toFixed(2)} (target ≤ 3×).`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
