/**
 * The SQL behind a report: the sufficient statistics of one experiment, from the evidence log's
 * relations `records` and `outcomes`. ONE text for DuckDB (local mode, tests) and Athena/Trino
 * (AWS); it keeps to what both engines share (README.md in this folder lists that subset).
 *
 * Two statements, each reading the log once into one row per request (deduplicated by the
 * statement, or, in local mode, picked from compacted request lines: `RequestsSource`):
 * - `experimentTotalsQuery`: every count, sum, minimum and maximum per time bucket (the timeline;
 *   combined, the totals);
 * - `experimentDistributionsQuery`: the latency histograms, the canary arms, the disagreement
 *   reasons and (with a canary) per-user sums per served variant, for the cluster-robust (delta
 *   method) intervals of conversion and accuracy.
 *
 * Deduplication (the log is appended at least once):
 * - record lines with one request id are copies of one DynamoDB item (every delivery appends the
 *   stored item's lines), so the request's row takes any copy (`arbitrary`) and counts once;
 * - outcome posts merge per field, first post wins (`min_by(field, postedAt)` over posts where
 *   the field is present), whether posted before or after the comparison.
 * Parameters are positional `?`, in the order of `parameters` returned with each text.
 */
import { LATENCY_BUCKET_RATIO, LATENCY_FLOOR_MS } from '../../report/aggregates';

export interface ExperimentSlice {
  /** The experiment id records are stamped with. */
  readonly experiment: string;
  readonly production: string;
  readonly candidate: string;
  /** Epoch ms: records received in [sinceMs, untilMs). */
  readonly sinceMs: number;
  readonly untilMs: number;
  /** Width of the timeline's buckets. */
  readonly bucketMinutes: number;
  /** Per-user sums (needed with a canary: the user is its unit of randomization). @default true */
  readonly perUser?: boolean;
  /**
   * Epoch ms [start, end): requests received in it are left out, their statistics kept elsewhere
   * (local mode's day partials: duckdb-day-partials.ts).
   */
  readonly excludeMs?: readonly [number, number];
  /** Outcome posts are read from the day before this (epoch ms). @default sinceMs */
  readonly postsSinceMs?: number;
}

export interface SqlStatement {
  readonly sql: string;
  readonly parameters: readonly (string | number)[];
}

/** Keys of grouping sets are never null inside their set: a null key means "not this set". */
export const NOT_APPLICABLE_BUCKET = -1_000_000;
export const NO_REASON = '';

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Where a statement's per-request rows come from:
 * - `log`: the raw log (`records`: every line as appended, copies included), deduplicated per
 *   request by the statement itself. The shared text: Athena runs it, DuckDB runs it in tests.
 * - `compacted`: local mode's DuckDB only (docs/evidence-log.md, "Compaction"): `request_lines`,
 *   the compacted records already deduplicated per request and candidate, each row carrying its
 *   request's `candidates`, `first_line` and `request_duplicates`, so one row per request is
 *   chosen by a filter instead of a `GROUP BY requestId` over every request (the step whose time
 *   and memory grew with traffic); `fresh_records`, the lines not compacted yet, merged with the
 *   compacted rows of their requests (a few minutes of lines, grouped as in `log`).
 *   Why a second text: Athena reads what Firehose writes and nothing compacts it there, so its
 *   text must deduplicate; the per-request filter needs `list_contains`, which Trino spells
 *   `contains`. Both produce the same `requests` columns, and everything after them is one text;
 *   `test/core/evidence/aggregates-sql.test.ts` runs both on the same log and compares them.
 */
export type RequestsSource = 'log' | 'compacted';

/**
 * One row per request of the slice (`facts`), with the judged candidate's replay beside the
 * served answer, and the merged outcome. Outcome posts are read from the day before the slice:
 * a post can precede its comparison, not (clocks allowing) its request.
 */
function factsPrefix(slice: ExperimentSlice, source: RequestsSource): SqlStatement {
  const postsDay = day((slice.postsSinceMs ?? slice.sinceMs) - DAY_MS);
  const requests = source === 'log' ? logRequests(slice) : compactedRequests(slice);
  const bucket = (x: string) =>
    `CAST(FLOOR(LN(GREATEST(${x}, ${LATENCY_FLOOR_MS})) / LN(${LATENCY_BUCKET_RATIO})) AS BIGINT)`;
  const sql = `
WITH posts AS (
  SELECT
    requestId AS request_id,
    min_by(converted, CASE WHEN converted IS NOT NULL THEN postedAt END) AS converted,
    min_by(value, CASE WHEN value IS NOT NULL THEN postedAt END) AS outcome_value,
    min_by(label, CASE WHEN label IS NOT NULL THEN postedAt END) AS label
  FROM outcomes
  WHERE dt >= ?
  GROUP BY requestId
),
${requests.sql},
judged_requests AS (
  SELECT
    q.*,
    CASE
      WHEN q.served_latency IS NULL OR q.served_latency < 0 THEN 0
      WHEN q.replayed = 1 AND (q.candidate_latency IS NULL OR q.candidate_latency < 0) THEN 0
      ELSE 1
    END AS valid,
    CASE WHEN q.served_status = 'error' THEN GREATEST(q.served_latency, COALESCE(q.served_timeout, 0)) ELSE q.served_latency END AS served_effective,
    CASE WHEN q.candidate_status = 'error' THEN GREATEST(q.candidate_latency, COALESCE(q.candidate_timeout, 0)) ELSE q.candidate_latency END AS candidate_effective
  FROM requests q
),
facts AS (
  SELECT
    j.*,
    CASE WHEN valid = 1 AND served_role = 1 AND served_status <> 'client_error' THEN 1 ELSE 0 END AS production_call,
    CASE WHEN valid = 1 AND served_role = 2 AND served_status <> 'client_error' THEN 1
         WHEN valid = 1 AND replayed = 1 AND candidate_status <> 'client_error' THEN 2
         ELSE 0 END AS candidate_call,
    CASE WHEN valid = 1 AND replayed = 1 AND served_role = 1
          AND served_status <> 'client_error' AND candidate_status <> 'client_error' THEN 1 ELSE 0 END AS pair,
    ${bucket('served_effective')} AS served_bucket,
    ${bucket('candidate_effective')} AS candidate_bucket
  FROM judged_requests j
)`;
  return {
    sql,
    parameters: [postsDay, ...requests.parameters],
  };
}

/** The slice's filter on a records relation (`dt` first: partition pruning). */
const RECORDS_IN_SLICE = (alias: string, slice: ExperimentSlice) =>
  `${alias}experiment = ? AND ${alias}dt BETWEEN ? AND ? AND ${alias}receivedAtMs >= ? AND ${alias}receivedAtMs < ?${
    slice.excludeMs === undefined
      ? ''
      : ` AND NOT (${alias}dt BETWEEN ? AND ?) AND NOT (${alias}receivedAtMs >= ? AND ${alias}receivedAtMs < ?)`
  }`;
const sliceParameters = (slice: ExperimentSlice) => [
  slice.experiment,
  day(slice.sinceMs),
  day(slice.untilMs),
  slice.sinceMs,
  slice.untilMs,
  ...(slice.excludeMs === undefined
    ? []
    : [day(slice.excludeMs[0]), day(slice.excludeMs[1] - 1), slice.excludeMs[0], slice.excludeMs[1]]),
];

const judgedOf = (column: string) => `max(CASE WHEN judged = 1 THEN ${column} END)`;
const METRIC_COLUMNS: readonly [string, string][] = [
  ['metricEqual', 'm_equal'],
  ['metricLabelMatch', 'm_label_match'],
  ['metricScoreDelta', 'm_score_delta'],
  ['metricFieldsChecked', 'm_fields_checked'],
  ['metricFieldsDisagreeing', 'm_fields_disagreeing'],
  ['metricMaxAbsDelta', 'm_max_abs_delta'],
  ['metricOverlap', 'm_overlap'],
  ['metricRankCorrelation', 'm_rank_correlation'],
];

/**
 * `requests` from the raw log: the outcome join and every string comparison happen per line,
 * before the per-request deduplication (the one step whose memory grows with the number of
 * requests), so its per-request state is numbers and a few short strings (no endpoint names, no
 * labels). Endpoints become roles (1 production, 2 the judged candidate, 0 another), labels
 * become "correct" flags against the merged outcome's label.
 */
function logRequests(slice: ExperimentSlice): SqlStatement {
  const judged = judgedOf;
  const sql = `lines AS (
  SELECT
    r.requestId AS request_id,
    r.receivedAtMs AS received_ms,
    r.servedVariant AS served_variant,
    r.userKey AS user_key,
    CASE WHEN r.shadowSampled THEN 1 ELSE 0 END AS shadow_sampled,
    CASE WHEN r.servedEndpoint = ? THEN ${SERVED_BY_PRODUCTION} WHEN r.servedEndpoint = ? THEN ${SERVED_BY_CANDIDATE} ELSE ${SERVED_BY_ANOTHER} END AS served_role,
    r.servedStatus AS served_status,
    r.servedLatencyMs AS served_latency,
    r.servedTimeoutMs AS served_timeout,
    CASE WHEN r.servedLabel IS NOT NULL THEN 1 ELSE 0 END AS served_labelled,
    CASE WHEN r.servedStatus = 'ok' AND r.servedLabel IS NOT NULL AND r.servedLabel = p.label THEN 1 ELSE 0 END AS served_correct,
    CASE WHEN r.noiseAgree THEN 1 WHEN NOT r.noiseAgree THEN 0 END AS noise_agree,
    CASE WHEN p.converted THEN 1 WHEN NOT p.converted THEN 0 END AS converted,
    p.outcome_value AS outcome_value,
    CASE WHEN p.label IS NOT NULL THEN 1 ELSE 0 END AS labelled,
    COALESCE(r.candidateEndpoint, '') AS candidate_key,
    CASE WHEN r.candidateEndpoint = ? THEN 1 ELSE 0 END AS judged,
    r.candidateStatus AS candidate_status,
    r.candidateLatencyMs AS candidate_latency,
    r.timeoutMs AS candidate_timeout,
    CASE WHEN r.candidateLabel IS NOT NULL THEN 1 ELSE 0 END AS candidate_labelled,
    CASE WHEN r.candidateStatus = 'ok' AND r.candidateLabel IS NOT NULL AND r.candidateLabel = p.label THEN 1 ELSE 0 END AS candidate_correct,
    CASE WHEN r.agree THEN 1 WHEN NOT r.agree THEN 0 END AS agree,
    r.reason AS reason,
    r.metricEqual AS m_equal,
    r.metricLabelMatch AS m_label_match,
    r.metricScoreDelta AS m_score_delta,
    r.metricFieldsChecked AS m_fields_checked,
    r.metricFieldsDisagreeing AS m_fields_disagreeing,
    r.metricMaxAbsDelta AS m_max_abs_delta,
    r.metricOverlap AS m_overlap,
    r.metricRankCorrelation AS m_rank_correlation
  FROM records r LEFT JOIN posts p ON p.request_id = r.requestId
  WHERE ${RECORDS_IN_SLICE('r.', slice)}
),
requests AS (
  SELECT
    request_id,
    arbitrary(received_ms) AS received_ms,
    arbitrary(served_variant) AS served_variant,
    arbitrary(COALESCE(user_key, 'request:' || request_id)) AS user_unit,
    arbitrary(shadow_sampled) AS shadow_sampled,
    arbitrary(served_role) AS served_role,
    arbitrary(served_status) AS served_status,
    arbitrary(served_latency) AS served_latency,
    arbitrary(served_timeout) AS served_timeout,
    arbitrary(served_labelled) AS served_labelled,
    arbitrary(served_correct) AS served_correct,
    arbitrary(noise_agree) AS noise_agree,
    arbitrary(converted) AS converted,
    arbitrary(outcome_value) AS outcome_value,
    arbitrary(labelled) AS labelled,
    max(judged) AS replayed,
    ${judged('candidate_status')} AS candidate_status,
    ${judged('candidate_latency')} AS candidate_latency,
    ${judged('candidate_timeout')} AS candidate_timeout,
    ${judged('candidate_labelled')} AS candidate_labelled,
    ${judged('candidate_correct')} AS candidate_correct,
    ${judged('agree')} AS agree,
    ${judged('reason')} AS reason,
    ${judged('m_equal')} AS m_equal,
    ${judged('m_label_match')} AS m_label_match,
    ${judged('m_score_delta')} AS m_score_delta,
    ${judged('m_fields_checked')} AS m_fields_checked,
    ${judged('m_fields_disagreeing')} AS m_fields_disagreeing,
    ${judged('m_max_abs_delta')} AS m_max_abs_delta,
    ${judged('m_overlap')} AS m_overlap,
    ${judged('m_rank_correlation')} AS m_rank_correlation,
    count(*) - count(DISTINCT candidate_key) AS duplicate_lines
  FROM lines
  GROUP BY request_id
)`;
  return {
    sql,
    parameters: [slice.production, slice.candidate, slice.candidate, ...sliceParameters(slice)],
  };
}

/**
 * `requests` in local mode (`compacted`, see `RequestsSource`): DuckDB only. The same columns
 * as `logRequests`, the outcome joined after the per-request step (a compacted row carries its
 * labels; no hash of every request is built here, so strings cost nothing).
 * - a request compacted and not among the fresh lines: its judged candidate's row, or, without
 *   one, its first row (candidate columns null);
 * - a request with fresh lines: its fresh and compacted rows grouped as in `logRequests`
 *   (`copies` weighs each compacted row by the lines it stands for).
 */
function compactedRequests(slice: ExperimentSlice): SqlStatement {
  const served = `requestId AS request_id,
    receivedAtMs AS received_ms,
    servedVariant AS served_variant,
    COALESCE(userKey, 'request:' || requestId) AS user_unit,
    CASE WHEN shadowSampled THEN 1 ELSE 0 END AS shadow_sampled,
    CASE WHEN servedEndpoint = ? THEN ${SERVED_BY_PRODUCTION} WHEN servedEndpoint = ? THEN ${SERVED_BY_CANDIDATE} ELSE ${SERVED_BY_ANOTHER} END AS served_role,
    servedStatus AS served_status,
    servedLatencyMs AS served_latency,
    servedTimeoutMs AS served_timeout,
    servedLabel AS served_label,
    CASE WHEN noiseAgree THEN 1 WHEN NOT noiseAgree THEN 0 END AS noise_agree`;
  const candidate: [string, string][] = [
    ['candidateStatus', 'candidate_status'],
    ['candidateLatencyMs', 'candidate_latency'],
    ['timeoutMs', 'candidate_timeout'],
    ['candidateLabel', 'candidate_label'],
    ['CASE WHEN agree THEN 1 WHEN NOT agree THEN 0 END', 'agree'],
    ['reason', 'reason'],
    ...METRIC_COLUMNS,
  ];
  const servedNames = [
    'request_id',
    'received_ms',
    'served_variant',
    'user_unit',
    'shadow_sampled',
    'served_role',
    'served_status',
    'served_latency',
    'served_timeout',
    'served_label',
    'noise_agree',
  ];
  const sql = `fresh AS (
  SELECT *, CASE WHEN candidateEndpoint = ? THEN 1 ELSE 0 END AS judged, 1 AS copies
  FROM fresh_records
  WHERE ${RECORDS_IN_SLICE('', slice)}
),
compacted AS NOT MATERIALIZED (
  SELECT *, CASE WHEN candidateEndpoint = ? THEN 1 ELSE 0 END AS judged
  FROM request_lines
  WHERE ${RECORDS_IN_SLICE('', slice)}
),
request_rows AS (
  SELECT
    ${served},
    judged AS replayed,
    ${candidate.map(([column, name]) => `CASE WHEN judged = 1 THEN ${column} END AS ${name}`).join(',\n    ')},
    request_duplicates AS duplicate_lines
  FROM compacted
  WHERE (judged = 1 OR (first_line AND NOT list_contains(candidates, ?)))
    AND requestId NOT IN (SELECT requestId FROM fresh)
  UNION ALL
  SELECT
    request_id,
    ${servedNames
      .slice(1)
      .map((name) => `arbitrary(${name}) AS ${name}`)
      .join(',\n    ')},
    max(judged) AS replayed,
    ${candidate.map(([, name]) => `${judgedOf(name)} AS ${name}`).join(',\n    ')},
    SUM(copies) - count(DISTINCT candidate_key) AS duplicate_lines
  FROM (
    SELECT ${served}, judged, copies, COALESCE(candidateEndpoint, '') AS candidate_key,
      ${candidate.map(([column, name]) => `${column} AS ${name}`).join(', ')}
    FROM compacted WHERE requestId IN (SELECT requestId FROM fresh)
    UNION ALL
    SELECT ${served}, judged, copies, COALESCE(candidateEndpoint, '') AS candidate_key,
      ${candidate.map(([column, name]) => `${column} AS ${name}`).join(', ')}
    FROM fresh
  ) merged
  GROUP BY request_id
),
requests AS (
  SELECT
    ${servedNames
      .filter((name) => name !== 'served_label')
      .map((name) => `q.${name}`)
      .join(', ')},
    CASE WHEN q.served_label IS NOT NULL THEN 1 ELSE 0 END AS served_labelled,
    CASE WHEN q.served_status = 'ok' AND q.served_label IS NOT NULL AND q.served_label = p.label THEN 1 ELSE 0 END AS served_correct,
    CASE WHEN p.converted THEN 1 WHEN NOT p.converted THEN 0 END AS converted,
    p.outcome_value AS outcome_value,
    CASE WHEN p.label IS NOT NULL THEN 1 ELSE 0 END AS labelled,
    q.replayed, q.candidate_status, q.candidate_latency, q.candidate_timeout,
    CASE WHEN q.replayed = 1 THEN CASE WHEN q.candidate_label IS NOT NULL THEN 1 ELSE 0 END END AS candidate_labelled,
    CASE WHEN q.replayed = 1 THEN CASE WHEN q.candidate_status = 'ok' AND q.candidate_label IS NOT NULL AND q.candidate_label = p.label THEN 1 ELSE 0 END END AS candidate_correct,
    q.agree, q.reason,
    ${METRIC_COLUMNS.map(([, name]) => `q.${name}`).join(', ')},
    q.duplicate_lines
  FROM request_rows q LEFT JOIN posts p ON p.request_id = q.request_id
)`;
  const role = [slice.production, slice.candidate];
  const inSlice = sliceParameters(slice);
  return {
    sql,
    parameters: [
      slice.candidate,
      ...inSlice,
      slice.candidate,
      ...inSlice,
      ...role,
      slice.candidate,
      ...role,
      ...role,
    ],
  };
}

/**
 * Keys of the distributions' grouping sets; a row's set is the set of its non-null keys:
 * - `served_variant+served_role+pair+arm_bucket`: the served calls' latency histogram (valid
 *   requests without a client error) per variant, serving role and pairing. Every histogram of
 *   a served call is a sum of these rows: production's calls (role 1), the pairs' production
 *   side (pair 1), each canary arm (its variant), the canary-served candidate calls (role 2);
 * - `pair+replay_bucket`: the judged candidate's replays (candidate call 2), the pairs' candidate
 *   side among them (pair 1);
 * - `disagreement`: the reasons; `served_variant` with `per_user` = 1: the per-user sums.
 * Two histogram sets instead of one per histogram: each grouping set costs a hash table fed with
 * every request (five sets took 8 % more time and held the statement above a 128 MB cap at a
 * million requests).
 */
export const DISTRIBUTION_KEYS = [
  'served_variant',
  'served_role',
  'pair',
  'arm_bucket',
  'replay_bucket',
  'disagreement',
] as const;

/** `served_role`: the request was served by production, by the judged candidate. */
export const SERVED_BY_PRODUCTION = 1;
export const SERVED_BY_CANDIDATE = 2;
/** Served by neither: the canary of a candidate other than the judged one. */
export const SERVED_BY_ANOTHER = 0;

/** The per-request columns both statements derive from `facts`. */
function keyedCte(slice: ExperimentSlice): SqlStatement {
  const na = NOT_APPLICABLE_BUCKET;
  return {
    sql: `keyed AS (
  SELECT
    f.*,
    CASE WHEN valid = 1 AND served_status <> 'client_error' THEN served_bucket ELSE ${na} END AS arm_bucket,
    CASE WHEN candidate_call = 2 THEN candidate_bucket ELSE ${na} END AS replay_bucket,
    CASE WHEN valid = 1 THEN CAST(FLOOR(CAST(received_ms AS DOUBLE) / CAST(? AS DOUBLE)) AS BIGINT) ELSE ${na} END AS time_bucket,
    CASE WHEN ${COMPARISON} AND agree = 0 THEN COALESCE(reason, 'disagree') ELSE '${NO_REASON}' END AS disagreement
  FROM facts f
)`,
    parameters: [slice.bucketMinutes * 60_000],
  };
}

const COMPARISON = 'pair = 1 AND agree IS NOT NULL';

/**
 * Every count, sum, minimum and maximum of the experiment, per time bucket (invalid requests in
 * `NOT_APPLICABLE_BUCKET`), served variant and served role: combined (`combineTotals`: sums add,
 * minima and maxima combine) the totals, per time bucket the timeline, per variant and role the
 * canary arms' requests and errors. So every count the checks compare with each other (records,
 * shadow-sampled, the arms: the sample-rate check) comes from one statement, one reading of a
 * log that keeps growing. One plain GROUP BY with few groups: a grouping set would compute all
 * ~80 aggregates once per set (measured in DuckDB for a million requests: 3.7 s for nine sets,
 * 0.3 s for one), so the histograms, reasons and per-user sums, which need few aggregates each,
 * are in `experimentDistributionsQuery`.
 */
export function experimentTotalsQuery(slice: ExperimentSlice, source: RequestsSource = 'log'): SqlStatement {
  const prefix = factsPrefix(slice, source);
  const keyed = keyedCte(slice);
  // Level 1 (`states`): requests grouped by every column a count's condition reads, with the
  // sums, minima and maxima of the numbers; level 2: each count is a sum over those few groups.
  // The same result as one level, for a fraction of the CPU: ~80 conditional aggregates are
  // evaluated per state instead of per request (at a million requests, computing their inputs
  // per request was 0.9 s of the statement's 1.6 s of CPU in DuckDB).
  const stateKeys = [
    'time_bucket',
    'served_variant',
    'served_role',
    'valid',
    'shadow_sampled',
    'production_call',
    'candidate_call',
    'pair',
    'replayed',
    'served_status',
    'candidate_status',
    'agree',
    'noise_agree',
    'converted',
    'labelled',
    'valued',
    'served_labelled',
    'candidate_labelled',
    'served_correct',
    'candidate_correct',
  ];
  const log = (x: string) => `CASE WHEN ${x} IS NOT NULL THEN LN(GREATEST(${x}, ${LATENCY_FLOOR_MS})) END`;
  const metrics = METRIC_COLUMNS.map(([, name]) => name);
  const sum = (condition: string, value = 'n') => `SUM(CASE WHEN ${condition} THEN ${value} ELSE 0 END)`;
  // A candidate call served by the candidate (canary) is timed as the served call.
  const candidateSum = (served: string, replay: string) =>
    `SUM(CASE WHEN candidate_call = 1 THEN ${served} WHEN candidate_call > 0 THEN ${replay} ELSE 0 END)`;
  const candidateFailed = `((candidate_call = 1 AND served_status = 'error') OR (candidate_call = 2 AND candidate_status = 'error'))`;
  const comparison = COMPARISON;
  // Accuracy needs a true label and a predicted label on both sides.
  const labelledComparison = `${comparison} AND labelled = 1 AND served_labelled = 1 AND candidate_labelled = 1`;
  const metric = (column: string) =>
    `${sum(comparison, `${column}_count`)} AS ${column}_count, SUM(CASE WHEN ${comparison} THEN ${column}_sum END) AS ${column}_sum, MIN(CASE WHEN ${comparison} THEN ${column}_min END) AS ${column}_min, MAX(CASE WHEN ${comparison} THEN ${column}_max END) AS ${column}_max`;
  const sql = `${prefix.sql},
${keyed.sql},
logged AS (
  SELECT
    k.*,
    CASE WHEN outcome_value IS NOT NULL THEN 1 ELSE 0 END AS valued,
    ${log('served_effective')} AS served_log,
    ${log('candidate_effective')} AS candidate_log
  FROM keyed k
),
states AS (
  SELECT
    ${stateKeys.join(', ')},
    COUNT(*) AS n,
    SUM(duplicate_lines) AS duplicate_lines,
    MIN(received_ms) AS first_ms,
    MAX(received_ms) AS last_ms,
    SUM(served_effective) AS served_sum,
    SUM(served_effective * served_effective) AS served_sum_squares,
    SUM(served_log) AS served_log_sum,
    SUM(served_log * served_log) AS served_log_sum_squares,
    SUM(candidate_effective) AS candidate_sum,
    SUM(candidate_effective * candidate_effective) AS candidate_sum_squares,
    SUM(candidate_log) AS candidate_log_sum,
    SUM(candidate_log * candidate_log) AS candidate_log_sum_squares,
    SUM(candidate_effective - served_effective) AS difference_sum,
    SUM((candidate_effective - served_effective) * (candidate_effective - served_effective)) AS difference_sum_squares,
    ${metrics.map((m) => `COUNT(${m}) AS ${m}_count, SUM(${m}) AS ${m}_sum, MIN(${m}) AS ${m}_min, MAX(${m}) AS ${m}_max`).join(',\n    ')}
  FROM logged
  GROUP BY ${stateKeys.join(', ')}
)
SELECT
  time_bucket,
  served_variant,
  served_role,
  ${sum('valid = 1')} AS records,
  ${sum('valid = 0')} AS invalid_records,
  SUM(duplicate_lines) AS duplicate_lines,
  ${sum('valid = 1 AND shadow_sampled = 1')} AS shadow_sampled,
  MIN(CASE WHEN valid = 1 THEN first_ms END) AS first_ms,
  MAX(CASE WHEN valid = 1 THEN last_ms END) AS last_ms,
  ${sum('production_call = 1')} AS production_calls,
  ${sum("production_call = 1 AND served_status = 'error'")} AS production_errors,
  ${sum(`valid = 1 AND served_role = ${SERVED_BY_PRODUCTION} AND served_status = 'client_error'`)} AS production_client_errors,
  ${sum('production_call = 1', 'served_sum')} AS production_latency_sum,
  ${sum('production_call = 1', 'served_sum_squares')} AS production_latency_sum_squares,
  ${sum('production_call = 1', 'served_log_sum')} AS production_log_latency_sum,
  ${sum('production_call = 1', 'served_log_sum_squares')} AS production_log_latency_sum_squares,
  ${sum('candidate_call > 0')} AS candidate_calls,
  ${sum(candidateFailed)} AS candidate_errors,
  ${sum(`valid = 1 AND ((served_role = ${SERVED_BY_CANDIDATE} AND served_status = 'client_error') OR (replayed = 1 AND candidate_status = 'client_error'))`)} AS candidate_client_errors,
  ${candidateSum('served_sum', 'candidate_sum')} AS candidate_latency_sum,
  ${candidateSum('served_sum_squares', 'candidate_sum_squares')} AS candidate_latency_sum_squares,
  ${candidateSum('served_log_sum', 'candidate_log_sum')} AS candidate_log_latency_sum,
  ${candidateSum('served_log_sum_squares', 'candidate_log_sum_squares')} AS candidate_log_latency_sum_squares,
  ${sum('pair = 1')} AS pairs,
  ${sum("pair = 1 AND served_status <> 'error' AND candidate_status <> 'error'")} AS pair_errors_00,
  ${sum("pair = 1 AND served_status <> 'error' AND candidate_status = 'error'")} AS pair_errors_01,
  ${sum("pair = 1 AND served_status = 'error' AND candidate_status <> 'error'")} AS pair_errors_10,
  ${sum("pair = 1 AND served_status = 'error' AND candidate_status = 'error'")} AS pair_errors_11,
  ${sum(comparison)} AS comparisons,
  ${sum(`${comparison} AND agree = 1`)} AS agreements,
  ${sum(`${comparison} AND noise_agree = 0 AND agree = 0`)} AS noise_00,
  ${sum(`${comparison} AND noise_agree = 0 AND agree = 1`)} AS noise_01,
  ${sum(`${comparison} AND noise_agree = 1 AND agree = 0`)} AS noise_10,
  ${sum(`${comparison} AND noise_agree = 1 AND agree = 1`)} AS noise_11,
  ${sum('pair = 1', 'difference_sum')} AS difference_sum,
  ${sum('pair = 1', 'difference_sum_squares')} AS difference_sum_squares,
  ${sum(`${labelledComparison} AND served_correct = 0 AND candidate_correct = 0`)} AS accuracy_00,
  ${sum(`${labelledComparison} AND served_correct = 0 AND candidate_correct = 1`)} AS accuracy_01,
  ${sum(`${labelledComparison} AND served_correct = 1 AND candidate_correct = 0`)} AS accuracy_10,
  ${sum(`${labelledComparison} AND served_correct = 1 AND candidate_correct = 1`)} AS accuracy_11,
  ${sum('valid = 1 AND converted IS NOT NULL')} AS outcomes_converted,
  ${sum('valid = 1 AND labelled = 1')} AS outcomes_labelled,
  ${sum('valid = 1 AND valued = 1')} AS outcomes_with_value,
  ${sum("valid = 1 AND served_status <> 'client_error'")} AS served_requests,
  ${sum("valid = 1 AND served_status = 'error'")} AS served_errors,
  ${metrics.map(metric).join(',\n  ')}
FROM states
GROUP BY time_bucket, served_variant, served_role`;
  return { sql, parameters: [...prefix.parameters, ...keyed.parameters] };
}

/** The distributions' first level's sums per group (per user: the delta method's m and y). */
const USER_SUMS = ['conversion_m', 'conversion_y', 'accuracy_m', 'accuracy_y', 'value_m', 'value_y'];
/** The columns of a first-level row (`per_group`). */
const FIRST_LEVEL_COLUMNS = `${DISTRIBUTION_KEYS.join(', ')}, user_unit, n, ${USER_SUMS.join(', ')}`;

/**
 * First-level rows of several parts (days) added up per group: a user's counts of several days
 * become one row, so the second level squares the user's sums over all of them.
 */
export function mergedGroupsSql(relation: string): string {
  const keys = DISTRIBUTION_KEYS.join(', ');
  return `SELECT ${keys}, user_unit, SUM(n) AS n, ${USER_SUMS.map((name) => `SUM(${name}) AS ${name}`).join(', ')}
  FROM ${relation}
  GROUP BY ${keys}, user_unit`;
}

export interface DistributionsOptions {
  /** The first level only (`per_group`): what local mode keeps per day (duckdb-day-partials.ts). */
  readonly firstLevel?: boolean;
  /**
   * A relation of kept first-level rows (the `firstLevel` rows of days this slice leaves out,
   * `excludeMs`) added to this slice's before the second level.
   */
  readonly kept?: string;
}

/**
 * What the totals do not carry, each needing a count or a few sums per group: the latency
 * histograms (0.2 % log buckets), the disagreement reasons,
 * and (with `perUser`, i.e. with a canary) per served variant the sums over users of per-user
 * counts (conversion, accuracy, value), for the cluster-robust intervals.
 *
 * First level: grouping sets over the requests (per user, per bucket, per arm, per reason);
 * second level: the per-user rows summed per variant (`per_user` = 1), every other row kept as
 * it is (its keys are unique). Users a request is not counted for (invalid, client errors) go to
 * the user '', dropped between the levels.
 */
export function experimentDistributionsQuery(
  slice: ExperimentSlice,
  source: RequestsSource = 'log',
  options: DistributionsOptions = {},
): SqlStatement {
  const prefix = factsPrefix(slice, source);
  const keyed = keyedCte(slice);
  const perUser = slice.perUser ?? true;
  const userSums: [string, string][] = [
    ['conversion_m', 'CASE WHEN converted IS NOT NULL THEN 1 ELSE 0 END'],
    ['conversion_y', 'CASE WHEN converted = 1 THEN 1 ELSE 0 END'],
    [
      'accuracy_m',
      "CASE WHEN labelled = 1 AND served_status = 'ok' AND served_labelled = 1 THEN 1 ELSE 0 END",
    ],
    [
      'accuracy_y',
      "CASE WHEN labelled = 1 AND served_status = 'ok' AND served_labelled = 1 THEN served_correct ELSE 0 END",
    ],
    [
      'value_m',
      'CASE WHEN converted IS NOT NULL OR outcome_value IS NOT NULL OR labelled = 1 THEN 1 ELSE 0 END',
    ],
    ['value_y', 'CASE WHEN outcome_value IS NOT NULL THEN outcome_value ELSE 0 END'],
  ];
  const keys = DISTRIBUTION_KEYS.join(', ');
  const sums = USER_SUMS;
  const perUserFlag = 'CASE WHEN user_unit IS NULL THEN 0 ELSE 1 END';
  const firstLevel = `${prefix.sql},
${keyed.sql},
counted AS (
  SELECT
    k.*,
    CASE WHEN valid = 1 AND served_status <> 'client_error' THEN user_unit ELSE '' END AS counted_user
  FROM keyed k
),
per_group AS (
  SELECT
    ${keys},
    ${perUser ? 'counted_user' : 'CAST(NULL AS VARCHAR)'} AS user_unit,
    COUNT(*) AS n,
    ${userSums.map(([name, expression]) => `SUM(${expression}) AS ${name}`).join(',\n    ')}
  FROM counted
  GROUP BY GROUPING SETS (
    ${perUser ? '(served_variant, counted_user),\n    ' : ''}(served_variant, served_role, pair, arm_bucket),
    (pair, replay_bucket),
    (disagreement)
  )
)`;
  const parameters = [...prefix.parameters, ...keyed.parameters];
  if (options.firstLevel === true) {
    return {
      sql: `${firstLevel}
SELECT ${FIRST_LEVEL_COLUMNS} FROM per_group WHERE user_unit IS NULL OR user_unit <> ''`,
      parameters,
    };
  }
  // Kept first-level rows (other days') join this slice's: a user's rows of several days add up
  // before the per-user sums are squared.
  const groups =
    options.kept === undefined
      ? 'per_group'
      : `(${mergedGroupsSql(`(
    SELECT ${FIRST_LEVEL_COLUMNS} FROM per_group
    UNION ALL
    SELECT ${FIRST_LEVEL_COLUMNS} FROM ${options.kept}
  ) both_parts`)}) merged_groups`;
  const sql = `${firstLevel}
SELECT
  ${keys},
  ${perUserFlag} AS per_user,
  COUNT(*) AS users,
  SUM(n) AS rows_in_group,
  ${sums.flatMap((name) => [`SUM(${name}) AS ${name}`, `SUM(${name} * ${name}) AS ${name}2`]).join(',\n  ')},
  SUM(conversion_m * conversion_y) AS conversion_my,
  SUM(accuracy_m * accuracy_y) AS accuracy_my,
  SUM(value_m * value_y) AS value_my
FROM ${groups}
WHERE user_unit IS NULL OR user_unit <> ''
GROUP BY ${keys}, ${perUserFlag}`;
  return { sql, parameters };
}
