/**
 * Why the verdict judges the experiment since its fixed start: a candidate just above the error
 * limit (1.01 % vs 1 %), read every hour for 30 days.
 *
 * - Since the start, the verdict's anytime-valid error test keeps P(ever PROMOTE) <= alpha.
 * - Over a trailing 24-hour window, each reading is a fresh sample of the same truth, and 720
 *   readings give the noise many chances. Two readings of the window are measured: the verdict's
 *   own anytime-valid test applied to the window's counts, and a fixed-sample one-sided 95 %
 *   Wilson bound (what a plain "last 24 hours" report shows).
 *
 * Only the error guardrail sits near its limit here (the others are met within the first hour),
 * so each reading is simulated at the level of its sufficient statistic — the hour's calls and
 * errors — and judged with the verdict's own test and mixture (`betaMixture` with the verdict's
 * default tuning, `logEvidenceBelow`): the error decision of `judgeAggregates` is a function of
 * those two counts only. That makes 30 days at thousands of records per hour cheap enough for
 * hundreds of runs; `test/core/report/verdict-simulation.test.ts` checks the reduction against
 * the full path.
 */
import { logEvidenceBelow } from '../../lambda/core/stats/anytime';
import { normalQuantile } from '../../lambda/core/stats/distributions';
import { mulberry32, type Random } from '../../lambda/core/stats/random';
import { betaMixture } from '../../lambda/core/stats/sequential';
import { GUARDRAILS } from './simulate';

export interface TrailingResult {
  readonly runs: number;
  readonly days: number;
  readonly recordsPerHour: number;
  /** P(ever PROMOTE) reading all evidence since the experiment's start (the verdict). */
  readonly sinceStartFalsePromote: number;
  /** P(ever PROMOTE) reading the last 24 h with the verdict's anytime-valid test. */
  readonly trailingAnytimeFalsePromote: number;
  /** P(ever PROMOTE) reading the last 24 h with a fixed-sample one-sided 95 % bound. */
  readonly trailingFixedFalsePromote: number;
}

export const TRAILING_ERROR_RATE = 0.0101;

/** Binomial(n, p) by geometric skips: exact, and O(n p) draws. */
function binomial(random: Random, n: number, p: number): number {
  const logQ = Math.log1p(-p);
  let k = 0;
  let i = Math.floor(Math.log(1 - random()) / logQ);
  while (i < n) {
    k += 1;
    i += 1 + Math.floor(Math.log(1 - random()) / logQ);
  }
  return k;
}

/** The verdict's error test: "rate <= limit" met at alpha (the since-start decision). */
export function errorTestMet(errors: number, calls: number, alpha: number): boolean {
  const limit = GUARDRAILS.maxErrorRate;
  const mixture = betaMixture(limit, {
    alpha,
    plannedSampleSize: Math.max(GUARDRAILS.minSampleSize, 2000),
  });
  return calls > 0 && logEvidenceBelow(errors, calls, limit, mixture) >= Math.log(1 / alpha);
}

/** One-sided fixed-sample Wilson upper bound below the limit: what a plain report would show. */
function wilsonMet(errors: number, calls: number, alpha: number): boolean {
  if (calls === 0) return false;
  const z = normalQuantile(1 - alpha);
  const z2 = z * z;
  const center = (errors + z2 / 2) / (calls + z2);
  const half = (z / (calls + z2)) * Math.sqrt((errors * (calls - errors)) / calls + z2 / 4);
  return center + half < GUARDRAILS.maxErrorRate;
}

export function runTrailingWindow(
  runs: number,
  seed: number,
  recordsPerHour: number,
  days = 30,
  alpha = 0.05,
): TrailingResult {
  let sinceStart = 0;
  let trailingAnytime = 0;
  let trailingFixed = 0;
  const hours = days * 24;
  for (let run = 0; run < runs; run++) {
    const random = mulberry32(seed * 7919 + run);
    const hourly = new Array<number>(hours).fill(0);
    let errors = 0;
    let calls = 0;
    let windowErrors = 0;
    let promoted = false;
    let anytime = false;
    let fixed = false;
    for (let hour = 0; hour < hours; hour++) {
      const e = binomial(random, recordsPerHour, TRAILING_ERROR_RATE);
      hourly[hour] = e;
      errors += e;
      calls += recordsPerHour;
      windowErrors += e - (hour >= 24 ? (hourly[hour - 24] as number) : 0);
      const windowCalls = Math.min(hour + 1, 24) * recordsPerHour;
      // The other guardrails are met after the first hour at these rates: PROMOTE = errors met
      // and the minimum sample size reached.
      const enough = (n: number) => n >= GUARDRAILS.minSampleSize;
      if (!promoted && enough(calls) && errorTestMet(errors, calls, alpha)) promoted = true;
      if (!anytime && enough(windowCalls) && errorTestMet(windowErrors, windowCalls, alpha)) anytime = true;
      if (!fixed && enough(windowCalls) && wilsonMet(windowErrors, windowCalls, alpha)) fixed = true;
    }
    if (promoted) sinceStart++;
    if (anytime) trailingAnytime++;
    if (fixed) trailingFixed++;
  }
  return {
    runs,
    days,
    recordsPerHour,
    sinceStartFalsePromote: sinceStart / runs,
    trailingAnytimeFalsePromote: trailingAnytime / runs,
    trailingFixedFalsePromote: trailingFixed / runs,
  };
}
