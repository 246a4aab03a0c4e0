import type {
  CanaryArm,
  ExperimentAggregates,
  ExperimentRef,
  LatencyBuckets,
  MetricSums,
  ModelCalls,
  PairedCounts,
  TimelineRow,
  UserRatioSums,
} from '../report/aggregates';
import {
  DISTRIBUTION_KEYS,
  NO_REASON,
  NOT_APPLICABLE_BUCKET,
  SERVED_BY_ANOTHER,
  SERVED_BY_CANDIDATE,
  SERVED_BY_PRODUCTION,
} from './sql/experiment-aggregates.sql';

export type Row = Readonly<Record<string, unknown>>;

const MAX_REASONS = 10;

/** Comparator numbers: the log's column and the name the report shows. */
const METRICS = [
  ['m_equal', 'equal'],
  ['m_label_match', 'labelMatch'],
  ['m_score_delta', 'scoreDelta'],
  ['m_fields_checked', 'fieldsChecked'],
  ['m_fields_disagreeing', 'fieldsDisagreeing'],
  ['m_max_abs_delta', 'maxAbsDelta'],
  ['m_overlap', 'overlap'],
  ['m_rank_correlation', 'rankCorrelation'],
] as const;

const num = (row: Row | undefined, column: string): number => {
  const value = row?.[column];
  if (value === null || value === undefined) return 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
};
const present = (row: Row, column: string) => row[column] !== null && row[column] !== undefined;

/** The grouping set a distributions row belongs to: the set of its non-null keys. */
function setOf(row: Row): string {
  return DISTRIBUTION_KEYS.filter((key) => present(row, key)).join('+');
}

const TOTALS_KEYS = new Set(['time_bucket', 'served_variant', 'served_role']);

/**
 * The totals from the per-time-bucket rows of `experimentTotalsQuery`: every column a sum or a
 * count, but minima (`…_min`, `first_ms`) and maxima (`…_max`, `last_ms`), which combine as such.
 * A column null in every row (no value at all) stays null.
 */
export function combineTotals(rows: readonly Row[]): Row {
  const total: Record<string, unknown> = {};
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (TOTALS_KEYS.has(column) || value === null || value === undefined) continue;
      const n = Number(value);
      const previous = total[column];
      if (previous === undefined || previous === null) total[column] = n;
      else if (column.endsWith('_min') || column === 'first_ms')
        total[column] = Math.min(previous as number, n);
      else if (column.endsWith('_max') || column === 'last_ms')
        total[column] = Math.max(previous as number, n);
      else total[column] = (previous as number) + n;
    }
  }
  return total;
}

/**
 * One latency histogram from distributions rows, each part's rows bucketed by its bucket column;
 * the counts of one bucket (from several rows or parts) added up.
 */
function histogram(...parts: readonly (readonly [rows: readonly Row[], key: string])[]): LatencyBuckets {
  const counts = new Map<number, number>();
  for (const [rows, key] of parts)
    for (const row of rows) {
      const bucket = num(row, key);
      if (bucket === NOT_APPLICABLE_BUCKET) continue;
      counts.set(bucket, (counts.get(bucket) ?? 0) + num(row, 'rows_in_group'));
    }
  return [...counts].filter(([, count]) => count > 0).sort((a, b) => a[0] - b[0]);
}

/** Grouping sets of the distributions' histograms (`DISTRIBUTION_KEYS` says what each holds). */
const SERVED_SET = 'served_variant+served_role+pair+arm_bucket';
const REPLAY_SET = 'pair+replay_bucket';

const pairedCounts = (row: Row | undefined, prefix: string): PairedCounts => ({
  n00: num(row, `${prefix}_00`),
  n01: num(row, `${prefix}_01`),
  n10: num(row, `${prefix}_10`),
  n11: num(row, `${prefix}_11`),
});

const ratioSums = (row: Row | undefined, prefix: string): UserRatioSums => ({
  users: num(row, 'users'),
  sumM: num(row, `${prefix}_m`),
  sumY: num(row, `${prefix}_y`),
  sumM2: num(row, `${prefix}_m2`),
  sumY2: num(row, `${prefix}_y2`),
  sumMY: num(row, `${prefix}_my`),
});

/**
 * The experiment's aggregates from the rows of `experimentTotalsQuery` (`totals`) and
 * `experimentDistributionsQuery` (`distributions`). Pure: no engine, no I/O.
 */
export function aggregatesFromRows(input: {
  readonly experiment: ExperimentRef;
  readonly candidate: string;
  readonly bucketMinutes: number;
  readonly totals: readonly Row[];
  readonly distributions: readonly Row[];
}): ExperimentAggregates {
  const { experiment, candidate, bucketMinutes } = input;
  const bySet = new Map<string, Row[]>();
  const perUser: Row[] = [];
  for (const row of input.distributions) {
    if (num(row, 'per_user') === 1) {
      perUser.push(row);
      continue;
    }
    const set = setOf(row);
    const rows = bySet.get(set) ?? [];
    rows.push(row);
    bySet.set(set, rows);
  }
  const rowsOf = (set: string) => bySet.get(set) ?? [];
  const total = combineTotals(input.totals);
  const records = num(total, 'records');

  const served = rowsOf(SERVED_SET);
  const replays = rowsOf(REPLAY_SET);
  const servedBy = (role: number) => served.filter((row) => num(row, 'served_role') === role);
  const paired = (rows: readonly Row[]) => rows.filter((row) => num(row, 'pair') === 1);
  const modelCalls = (endpoint: string, prefix: string, latency: LatencyBuckets): ModelCalls => ({
    endpoint,
    calls: num(total, `${prefix}_calls`),
    errors: num(total, `${prefix}_errors`),
    clientErrors: num(total, `${prefix}_client_errors`),
    latency,
    latencyMoments: {
      n: num(total, `${prefix}_calls`),
      sum: num(total, `${prefix}_latency_sum`),
      sumSquares: num(total, `${prefix}_latency_sum_squares`),
    },
    logLatencyMoments: {
      n: num(total, `${prefix}_calls`),
      sum: num(total, `${prefix}_log_latency_sum`),
      sumSquares: num(total, `${prefix}_log_latency_sum_squares`),
    },
  });

  const canary: CanaryArm[] = [];
  if (experiment.canaryPercent > 0) {
    // The canary is served by the first candidate (the router's rule). When the judged candidate
    // only replays, the canary arm is another endpoint's (role 0 in the SQL): reported under its
    // own name, so the judged candidate is never judged on its conversion.
    const canaryEndpoint = experiment.candidates[0] ?? candidate;
    const canaryRole = canaryEndpoint === candidate ? SERVED_BY_CANDIDATE : SERVED_BY_ANOTHER;
    for (const variant of ['production', 'canary'] as const) {
      const endpoint = variant === 'production' ? experiment.production : canaryEndpoint;
      const role = variant === 'production' ? SERVED_BY_PRODUCTION : canaryRole;
      const arm = combineTotals(
        input.totals.filter((row) => row.served_variant === variant && num(row, 'served_role') === role),
      );
      const users = perUser.find((row) => row.served_variant === variant);
      canary.push({
        variant,
        endpoint,
        requests: num(arm, 'served_requests'),
        users: num(users, 'users'),
        conversion: ratioSums(users, 'conversion'),
        accuracy: ratioSums(users, 'accuracy'),
        value: ratioSums(users, 'value'),
        errors: num(arm, 'served_errors'),
        latency: histogram([served.filter((row) => row.served_variant === variant), 'arm_bucket']),
      });
    }
  }

  const bucketMs = bucketMinutes * 60_000;
  const byBucket = new Map<number, Row[]>();
  for (const row of input.totals) {
    const bucket = num(row, 'time_bucket');
    if (bucket === NOT_APPLICABLE_BUCKET) continue;
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), row]);
  }
  const timeline: TimelineRow[] = [...byBucket]
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, rows]) => ({ bucket, row: combineTotals(rows) }))
    .map(({ bucket, row }) => ({
      start: new Date(bucket * bucketMs).toISOString(),
      records: num(row, 'records'),
      comparisons: num(row, 'comparisons'),
      agreements: num(row, 'agreements'),
      candidateCalls: num(row, 'candidate_calls'),
      candidateErrors: num(row, 'candidate_errors'),
      productionCalls: num(row, 'production_calls'),
      productionErrors: num(row, 'production_errors'),
    }));

  const reasons = rowsOf('disagreement')
    .filter((row) => row.disagreement !== NO_REASON)
    .map((row) => ({ reason: String(row.disagreement), count: num(row, 'rows_in_group') }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
    .slice(0, MAX_REASONS);

  const metrics: MetricSums[] = METRICS.filter(([column]) => num(total, `${column}_count`) > 0).map(
    ([column, name]) => ({
      name,
      count: num(total, `${column}_count`),
      sum: num(total, `${column}_sum`),
      min: num(total, `${column}_min`),
      max: num(total, `${column}_max`),
    }),
  );

  const first = total?.first_ms;
  const last = total?.last_ms;
  return {
    experiment,
    candidate,
    records,
    duplicates: num(total, 'duplicate_lines'),
    invalidRecords: num(total, 'invalid_records'),
    from: first === null || first === undefined ? null : new Date(Number(first)).toISOString(),
    to: last === null || last === undefined ? null : new Date(Number(last)).toISOString(),
    requestsSeen: experiment.canaryPercent > 0 ? records : null,
    shadowSampled: num(total, 'shadow_sampled'),
    production: modelCalls(
      experiment.production,
      'production',
      histogram([servedBy(SERVED_BY_PRODUCTION), 'arm_bucket']),
    ),
    // The candidate's calls: those it served (the canary) and its replays.
    candidateCalls: modelCalls(
      candidate,
      'candidate',
      histogram([servedBy(SERVED_BY_CANDIDATE), 'arm_bucket'], [replays, 'replay_bucket']),
    ),
    shadow: {
      pairs: num(total, 'pairs'),
      errors: pairedCounts(total, 'pair_errors'),
      comparisons: num(total, 'comparisons'),
      agreements: num(total, 'agreements'),
      agreementWithNoise: pairedCounts(total, 'noise'),
      latencyDifference: {
        n: num(total, 'pairs'),
        sum: num(total, 'difference_sum'),
        sumSquares: num(total, 'difference_sum_squares'),
      },
      productionLatency: histogram([paired(served), 'arm_bucket']),
      candidateLatency: histogram([paired(replays), 'replay_bucket']),
      accuracy: pairedCounts(total, 'accuracy'),
    },
    canary,
    outcomes: {
      converted: num(total, 'outcomes_converted'),
      labelled: num(total, 'outcomes_labelled'),
      withValue: num(total, 'outcomes_with_value'),
    },
    timeline: { bucketMinutes, rows: timeline },
    reasons,
    metrics,
  };
}
