import { buildReport } from '../../../lambda/core/report';
import type { Report } from '../../../lambda/core/report/types';
import { mulberry32 } from '../../../lambda/core/stats/random';
import { GUARDRAILS } from '../../core/report/records';
import { COMPARATOR, IDENTICAL, syntheticRecords, type Truth } from '../../core/report/synthetic';

export const NOW = new Date('2025-01-01T03:00:00Z');

/**
 * A canary experiment with every section filled: a slower, less accurate candidate serving 30%
 * of users, conversion and label outcomes, and a noise baseline. Records arrive every 5 s, so
 * 1,500 of them span just over two hours (5-minute timeline buckets).
 */
export const CANARY_EXPERIMENT: Truth = {
  ...IDENTICAL,
  candidateShiftMs: 20,
  productionErrorRate: 0.004,
  candidateErrorRate: 0.012,
  agreement: 0.93,
  selfAgreement: 0.97,
  noiseBaselineShare: 0.2,
  canaryShare: 0.3,
  productionConversion: 0.12,
  canaryConversion: 0.1,
  conversionOutcomes: 0.4,
  labelOutcomes: 0.25,
  productionAccuracy: 0.85,
};

export function fixtureReport(truth: Truth = CANARY_EXPERIMENT, records = 1500, seed = 42): Report {
  return buildReport(syntheticRecords(truth, records, mulberry32(seed)), GUARDRAILS, {
    now: NOW,
    comparator: COMPARATOR,
  });
}

export const emptyReport = (): Report => buildReport([], GUARDRAILS, { now: NOW });
