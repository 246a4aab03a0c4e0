/**
 * Why the verdict judges the experiment since its fixed start: a candidate just above the error
 * limit (1.01 % vs 1 %), read every hour for 30 days. Since the start, the anytime-valid test
 * keeps P(ever PROMOTE) <= alpha. Over a trailing 24-hour window (what reports did before), each
 * reading is a fresh sample of the same truth, and 720 readings give the error many chances.
 *
 * The trailing reading applies the same exact error test to the last 24 hours' counts and takes
 * the other guardrails' statuses from the full verdict (they are met: only the error rate is
 * near its limit), which is what a trailing report would have decided.
 */
import { createAggregator } from '../../lambda/core/report/aggregate-lines';
import { judgeAggregates } from '../../lambda/core/report/from-aggregates';
import { logEvidenceBelow } from '../../lambda/core/stats/anytime';
import { mulberry32 } from '../../lambda/core/stats/random';
import { betaMixture } from '../../lambda/core/stats/sequential';
import { ExperimentGenerator, experimentOf, GUARDRAILS, IDENTICAL } from './simulate';

export interface TrailingResult {
  readonly runs: number;
  readonly days: number;
  readonly recordsPerHour: number;
  readonly sinceStartFalsePromote: number;
  readonly trailingFalsePromote: number;
}

export function runTrailingWindow(
  runs: number,
  seed: number,
  days = 30,
  recordsPerHour = 100,
): TrailingResult {
  const truth = { ...IDENTICAL, candidateErrorRate: 0.0101, labelShare: 0 };
  const alpha = 0.05;
  let sinceStart = 0;
  let trailing = 0;
  for (let run = 0; run < runs; run++) {
    const generator = new ExperimentGenerator(
      truth,
      mulberry32(seed * 7919 + run),
      'exp-1',
      3_600_000 / recordsPerHour,
    );
    const aggregator = createAggregator({ experiment: experimentOf(truth) });
    const hourly: [number, number][] = [];
    let promotedSinceStart = false;
    let promotedTrailing = false;
    for (let hour = 0; hour < days * 24; hour++) {
      let errors = 0;
      let calls = 0;
      for (let i = 0; i < recordsPerHour; i++) {
        const { records, outcomes } = generator.next();
        for (const line of records) {
          aggregator.addRecord(line);
          if (line.candidateStatus !== null) {
            calls += 1;
            if (line.candidateStatus === 'error') errors += 1;
          }
        }
        for (const line of outcomes) aggregator.addOutcome(line);
      }
      hourly.push([errors, calls]);
      const judgement = judgeAggregates(aggregator.aggregates(), GUARDRAILS, { alpha });
      if (judgement.verdict.decision === 'PROMOTE') promotedSinceStart = true;
      const window = hourly.slice(-24);
      const e = window.reduce((s, [x]) => s + x, 0);
      const n = window.reduce((s, [, x]) => s + x, 0);
      const others = judgement.guardrails.filter(
        (g) => g.guardrail !== 'maxErrorRate' && g.blocking !== false,
      );
      const othersMet = others.every((g) => g.status === 'met' || g.status === 'not_applicable');
      const mixture = betaMixture(GUARDRAILS.maxErrorRate, { alpha, plannedSampleSize: 1000 });
      const errorsMet = logEvidenceBelow(e, n, GUARDRAILS.maxErrorRate, mixture) >= Math.log(1 / alpha);
      if (othersMet && errorsMet) promotedTrailing = true;
    }
    if (promotedSinceStart) sinceStart++;
    if (promotedTrailing) trailing++;
  }
  return {
    runs,
    days,
    recordsPerHour,
    sinceStartFalsePromote: sinceStart / runs,
    trailingFalsePromote: trailing / runs,
  };
}
