import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { reportFor } from '../../lambda/use-cases/report-for';
import { stages } from '../../lib/config/stages';
import { BENCH_EXPERIMENT } from './generate';

/**
 * One step of the report benchmark over a generated log, in a fresh process (so its peak
 * resident memory is that step's alone). Prints JSON.
 *
 *   run-report report  <log dir> <now ms> <runs> <memory limit> <threads>
 *   run-report compact <log dir> <memory limit> <threads>
 */
async function main(): Promise<void> {
  const [mode, dir, ...rest] = process.argv.slice(2);
  if (dir === undefined || (mode !== 'report' && mode !== 'compact'))
    throw new Error('usage: run-report report|compact DIR …');
  if (mode === 'compact') {
    const [memoryLimit = '256MB', threads = '2'] = rest;
    const engine = await DuckDbAnalysisEngine.open(dir, { memoryLimit, threads: Number(threads) });
    // Every file of the generated log is closed (its writer, the generator, is gone).
    const result = await engine.compact({ quietMs: 0 });
    engine.close();
    process.stdout.write(
      `${JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
    );
    return;
  }
  const [nowArg, runsArg = '3', memoryLimit = '256MB', threads = '2'] = rest;
  const now = Number(nowArg);
  const runs = Number(runsArg);
  const engine = await DuckDbAnalysisEngine.open(dir, { memoryLimit, threads: Number(threads) });
  const timings: number[] = [];
  const cpu: number[] = [];
  let records = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
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
    // CPU time of every thread of the process: what the report costs, whatever the machine's load.
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
    if (answer.status !== 'complete') throw new Error(`report not complete: ${answer.status}`);
    records = answer.report.samples.records;
  }
  engine.close();
  process.stdout.write(
    `${JSON.stringify({ timingsMs: timings, cpuMs: cpu, records, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
