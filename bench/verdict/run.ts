/**
 * `npm run bench:verdict`: the verdict simulation in full — every scenario of
 * bench/verdict/scenarios.ts, seeded, peeking every 100 records up to 20k — and the table for
 * docs/verdict.md.
 *
 *   npm run bench:verdict                      200 runs per scenario (long: minutes per scenario)
 *   npm run bench:verdict -- --runs 50         fewer runs
 *   npm run bench:verdict -- --only clustered  scenarios whose name contains the text
 *   npm run bench:verdict -- --markdown FILE   also write the table as Markdown
 *   npm run bench:verdict -- --range 0:12      scenarios 0 to 11 only (run chunks in parallel)
 *   npm run bench:verdict -- --no-trailing     without the trailing-window lines
 *   npm run bench:verdict -- --first-decided TEXT --runs 50
 *                                              per guardrail, the median records at which it was
 *                                              first decided (which one a PROMOTE waited for)
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { scenarios } from './scenarios';
import { firstDecidedPerGuardrail, runScenario, type ScenarioResult } from './simulate';
import { runTrailingWindow, TRAILING_ERROR_RATE, type TrailingResult } from './trailing-window';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const runs = Number(flag('runs') ?? 200);
const only = flag('only');
const markdownPath = flag('markdown');
const range = flag('range')?.split(':').map(Number);
const trailing = !process.argv.includes('--no-trailing');
const ALPHA = 0.05;

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const num = (v: number | null) => (v === null ? '–' : v.toLocaleString('en-US'));
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null ? '–' : `${(a / b).toFixed(2)}×`;

/** A row; on a limit (`onLimit`) no verdict is right: only the false PROMOTE and REJECT columns count. */
function row(r: ScenarioResult, kind: string | undefined, onLimit = false): string {
  const right = onLimit ? 'none (on the limit)' : r.expected;
  const [rightShare, median, p90] = onLimit
    ? ['–', '–', '–']
    : [pct(r.right), num(r.medianSamples), num(r.p90Samples)];
  return `| ${r.name} | ${right} | ${rightShare} | ${pct(r.falsePromote)} | ${pct(r.falseReject)} | ${r.expected === 'INVALID' ? '–' : pct(r.invalid)} | ${median} | ${p90} | ${num(r.fixedHorizon)} | ${ratio(onLimit ? null : r.medianSamples, r.fixedHorizon)} ${kind ?? ''} |`;
}

const firstDecided = flag('first-decided');
if (firstDecided !== undefined) {
  for (const [i, scenario] of scenarios().entries()) {
    if (!scenario.name.includes(firstDecided)) continue;
    console.log(`${scenario.name} (${runs} runs, fixed horizon ${num(scenario.fixedHorizon ?? null)}):`);
    for (const [name, r] of Object.entries(firstDecidedPerGuardrail(scenario, runs, 1000 + i, ALPHA)))
      console.log(`  ${name}: median ${num(r?.median ?? null)} records (decided in ${r?.decidedRuns} runs)`);
  }
  process.exit(0);
}

const lines = [
  `Verdict simulation: ${runs} seeded runs per scenario, peeking every 100 records up to 20,000, alpha = ${ALPHA}.`,
  `Machine: ${process.platform} ${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${new Date().toISOString()}; command: npm run bench:verdict -- ${process.argv.slice(2).join(' ')}`,
  '',
  '| scenario | right verdict | right % (first decision) | false PROMOTE (any peek) | false REJECT (any peek) | INVALID (any peek) | median records to decision | p90 | fixed horizon (90 % power) | median / fixed |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
console.log(lines.join('\n'));
const started = Date.now();
for (const [i, scenario] of scenarios().entries()) {
  if (only !== undefined && !scenario.name.includes(only)) continue;
  if (range !== undefined && (i < (range[0] ?? 0) || i >= (range[1] ?? Number.POSITIVE_INFINITY))) continue;
  const result = runScenario(scenario, runs, 1000 + i, ALPHA);
  const line = row(result, scenario.kind, scenario.onLimit);
  lines.push(line);
  console.log(`${line}  (${(result.milliseconds / 1000).toFixed(0)} s)`);
}
if (trailing && (only === undefined || 'trailing'.includes(only) || only.includes('trailing'))) {
  lines.push(
    '',
    `Trailing-window peeking: errors ${(TRAILING_ERROR_RATE * 100).toFixed(2)} % against a 1 % limit (every other guardrail met), read hourly for 30 days, ${runs} runs per traffic rate; false PROMOTE:`,
    '',
    "| records per hour | since the experiment's start (the verdict) | trailing 24 h, the verdict's anytime-valid test | trailing 24 h, fixed-sample one-sided 95 % bound |",
    '|---|---|---|---|',
  );
  for (const perHour of [100, 1000, 10_000]) {
    const t: TrailingResult = runTrailingWindow(runs, 7, perHour);
    const line = `| ${num(perHour)} | ${pct(t.sinceStartFalsePromote)} | ${pct(t.trailingAnytimeFalsePromote)} | ${pct(t.trailingFixedFalsePromote)} |`;
    lines.push(line);
    console.log(line);
  }
}
lines.push('', `Total ${((Date.now() - started) / 1000).toFixed(0)} s.`);
console.log(lines[lines.length - 1]);
if (markdownPath !== undefined) writeFileSync(markdownPath, `${lines.join('\n')}\n`);
