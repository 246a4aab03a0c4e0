import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { reportFor } from '../../lambda/use-cases/report-for';
import { stages } from '../../lib/config/stages';
import { BENCH_EXPERIMENT } from './generate';

/**
 * One report over a generated log, in a fresh process (so its peak resident memory is the
 * report's alone): `tsx bench/report/run-report.ts <log dir> <now ms> <runs> [memory limit]`.
 * Prints JSON.
 */
async function main(): Promise<void> {
  const [dir, nowArg, runsArg, memoryLimit] = process.argv.slice(2);
  if (dir === undefined || nowArg === undefined) throw new Error('usage: run-report.ts DIR NOW_MS [RUNS]');
  const now = Number(nowArg);
  const runs = Number(runsArg ?? 3);
  const engine = await DuckDbAnalysisEngine.open(dir, memoryLimit ? { memoryLimit } : {});
  const timings: number[] = [];
  let records = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const answer = await reportFor(
      {},
      {
        engine,
        experiments: { current: async () => BENCH_EXPERIMENT, recent: async () => [BENCH_EXPERIMENT] },
        cache: new InMemoryAnalysisCache(),
        guardrails: stages.prod.guardrails,
        now: () => new Date(now),
      },
      { answerWithinMs: 600_000, analysisTimeoutMs: 600_000, maxLookbackDays: 31 },
    );
    timings.push(performance.now() - started);
    if (answer.status !== 'complete') throw new Error(`report not complete: ${answer.status}`);
    records = answer.report.samples.records;
  }
  engine.close();
  process.stdout.write(
    `${JSON.stringify({ timingsMs: timings, records, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
