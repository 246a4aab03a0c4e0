import { aggregatesFromRows } from '../../lambda/core/evidence/aggregates-from-rows';
import type { OutcomeLine, RecordLine } from '../../lambda/core/evidence/log-lines';
import {
  type ExperimentSlice,
  experimentDistributionsQuery,
  experimentTotalsQuery,
  type RequestsSource,
} from '../../lambda/core/evidence/sql/experiment-aggregates.sql';
import type { Guardrails } from '../../lambda/core/guardrails';
import { aggregateLines } from '../../lambda/core/report/aggregate-lines';
import type { ExperimentAggregates, ExperimentRef } from '../../lambda/core/report/aggregates';
import {
  type AggregateReportOptions,
  buildReportFromAggregates,
} from '../../lambda/core/report/from-aggregates';
import type { Report } from '../../lambda/core/report/types';
import type { AnalysisEngine } from '../../lambda/use-cases/ports/evidence';
import { DAY0 } from './evidence-lines';

/** Guardrails loose enough that a few hundred hand-made lines decide. */
export const GUARDRAILS: Guardrails = {
  maxP99LatencyMs: 300,
  maxLatencyIncreaseMs: 50,
  maxErrorRate: 0.01,
  minAgreement: 0.9,
  maxConversionDrop: 0.01,
  minSampleSize: 100,
  minConversionTraffic: 20,
  maxShadowBacklogAgeSeconds: 300,
};

/** The experiment `recordLine`'s defaults belong to: churn-v1 serving, churn-v2 replayed, no canary. */
export const EXPERIMENT: ExperimentRef = {
  id: 'v1',
  since: new Date(DAY0).toISOString(),
  until: new Date(DAY0 + 7 * 86_400_000).toISOString(),
  production: 'churn-v1',
  candidates: ['churn-v2'],
  canaryPercent: 0,
  sampleRate: 1,
};

/** The slice the SQL tests report on: experiment v1 from noon of DAY0 to the middle of day 3. */
export const EVIDENCE_SLICE: ExperimentSlice = {
  experiment: 'v1',
  production: 'churn-v1',
  candidate: 'churn-v2',
  sinceMs: DAY0 + 43_200_000,
  untilMs: DAY0 + 2.5 * 86_400_000,
  bucketMinutes: 60,
};

export interface LinesOptions {
  readonly experiment?: Partial<ExperimentRef>;
  /** Timeline bucket width. @default 60 */
  readonly bucketMinutes?: number;
}

/** The aggregates of hand-made evidence lines, the way the analysis engine computes them. */
export function aggregatesOfLines(
  records: readonly RecordLine[],
  outcomes: readonly OutcomeLine[] = [],
  options: LinesOptions = {},
): ExperimentAggregates {
  return aggregateLines(records, outcomes, {
    experiment: { ...EXPERIMENT, ...options.experiment },
    ...(options.bucketMinutes === undefined ? {} : { bucketMinutes: options.bucketMinutes }),
  });
}

/** The report of hand-made evidence lines: lines → aggregates → report, the live path minus SQL. */
export function reportOfLines(
  records: readonly RecordLine[],
  outcomes: readonly OutcomeLine[] = [],
  options: LinesOptions & AggregateReportOptions & { readonly guardrails?: Guardrails } = {},
): Report {
  const { experiment, bucketMinutes, guardrails, ...reportOptions } = options;
  return buildReportFromAggregates(
    aggregatesOfLines(records, outcomes, {
      ...(experiment === undefined ? {} : { experiment }),
      ...(bucketMinutes === undefined ? {} : { bucketMinutes }),
    }),
    guardrails ?? GUARDRAILS,
    reportOptions,
  );
}

/** `n` items made by `make(i)`. */
export const times = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));

/** Counts exactly; sums of measured values to rounding (the engines add in another order). */
export function expectSameAggregates(actual: unknown, expected: unknown, path = 'aggregates'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) && Number.isInteger(actual)) {
      if (actual !== expected) throw new Error(`${path}: ${actual} !== ${expected}`);
    } else if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
      throw new Error(`${path}: ${actual} is not ${expected}`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) throw new Error(`${path}: not a list: ${JSON.stringify(actual)}`);
    const list = actual as unknown[];
    if (list.length !== expected.length)
      throw new Error(
        `${path}: ${list.length} items, expected ${expected.length}: ${JSON.stringify(list)} vs ${JSON.stringify(expected)}`,
      );
    for (const [i, item] of expected.entries()) expectSameAggregates(list[i], item, `${path}[${i}]`);
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    const object = actual as Record<string, unknown>;
    const keys = new Set([...Object.keys(expected), ...Object.keys(object)]);
    for (const key of keys)
      expectSameAggregates(object[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
    return;
  }
  if (actual !== expected) throw new Error(`${path}: ${String(actual)} !== ${String(expected)}`);
}

/** What the report's SQL computes for `slice`, computed by the TypeScript aggregator instead. */
export const aggregatesOfSlice = (
  lines: { readonly records: readonly RecordLine[]; readonly outcomes: readonly OutcomeLine[] },
  slice: ExperimentSlice,
  experiment: ExperimentRef,
): ExperimentAggregates =>
  aggregateLines(lines.records, lines.outcomes, {
    experiment,
    candidate: slice.candidate,
    bucketMinutes: slice.bucketMinutes,
  });

/**
 * The SQL's aggregates as the aggregator lists canary arms: the SQL always lists production's arm
 * and the judged candidate's canary arm, zero when unserved; the aggregator lists the arms that
 * served (lambda/core/report/aggregate-lines.ts). In evidence where each variant has one endpoint,
 * this is their only difference.
 */
export const servingArms = (a: ExperimentAggregates): ExperimentAggregates => ({
  ...a,
  canary: a.canary.filter((arm) => arm.requests > 0),
});

/** The aggregates an engine's SQL gives for a slice: both statements, read from `source`. */
/** The same aggregates through local mode's per-day partials (`DuckDbAnalysisEngine.experimentRows`). */
export async function aggregatesByDay(
  engine: Required<Pick<AnalysisEngine, 'experimentRows'>>,
  slice: ExperimentSlice,
  experiment: ExperimentRef,
): Promise<ExperimentAggregates> {
  return aggregatesFromRows({
    experiment,
    candidate: slice.candidate,
    bucketMinutes: slice.bucketMinutes,
    ...(await engine.experimentRows(slice)),
  });
}

export async function aggregatesBySql(
  engine: Pick<AnalysisEngine, 'query'>,
  slice: ExperimentSlice,
  experiment: ExperimentRef,
  source: RequestsSource,
): Promise<ExperimentAggregates> {
  const totals = experimentTotalsQuery(slice, source);
  const distributions = experimentDistributionsQuery(slice, source);
  return aggregatesFromRows({
    experiment,
    candidate: slice.candidate,
    bucketMinutes: slice.bucketMinutes,
    totals: await engine.query(totals.sql, totals.parameters),
    distributions: await engine.query(distributions.sql, distributions.parameters),
  });
}
