import {
  ExperimentGenerator,
  experimentOf,
  IDENTICAL,
  OTHER_CANDIDATE,
  type Truth,
} from '../../../bench/verdict/simulate';
import { createAggregator } from '../../../lambda/core/report/aggregate-lines';
import { buildReportFromAggregates } from '../../../lambda/core/report/from-aggregates';
import type { Report } from '../../../lambda/core/report/types';
import { mulberry32 } from '../../../lambda/core/stats/random';
import { GUARDRAILS } from '../../support/report';

/** Two hours after the simulated experiment starts (2026-01-01, one request every 5 s). */
export const NOW = new Date('2026-01-01T03:00:00Z');

/**
 * A canary experiment with every section filled: a slower, less accurate candidate serving 30%
 * of users, conversion and label outcomes, a noise baseline, and a second replayed candidate.
 */
export const CANARY_EXPERIMENT: Truth = {
  ...IDENTICAL,
  candidateShiftMs: 20,
  productionErrorRate: 0.004,
  candidateErrorRate: 0.012,
  candidateRightWhenProductionRight: 0.95,
  candidateRightWhenProductionWrong: 0.2,
  productionFlip: 0.015,
  noiseBaselineShare: 0.2,
  canaryShare: 0.3,
  productionConversion: 0.12,
  canaryConversion: 0.1,
  conversionShare: 0.4,
  labelShare: 0.25,
  replayed: [IDENTICAL.judged, OTHER_CANDIDATE],
};

/**
 * The report of a simulated experiment, through the live path (evidence-log lines → aggregates
 * → report). 1,500 requests span just over two hours: 5-minute timeline buckets.
 */
export function fixtureReport(truth: Truth = CANARY_EXPERIMENT, requests = 1500, seed = 42): Report {
  const generator = new ExperimentGenerator(truth, mulberry32(seed));
  const aggregator = createAggregator({ experiment: experimentOf(truth), bucketMinutes: 5 });
  for (let i = 0; i < requests; i++) {
    const { records, outcomes } = generator.next();
    for (const line of records) aggregator.addRecord(line);
    for (const line of outcomes) aggregator.addOutcome(line);
  }
  return buildReportFromAggregates(aggregator.aggregates(), GUARDRAILS, { now: NOW });
}

export const emptyReport = (): Report => fixtureReport(IDENTICAL, 0);
