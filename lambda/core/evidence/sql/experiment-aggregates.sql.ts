/**
 * The SQL behind a report: the sufficient statistics of one experiment, from the evidence log's
 * relations `records` and `outcomes`. ONE text for DuckDB (local mode, tests) and Athena/Trino
 * (AWS); it keeps to what both engines share (README.md in this folder lists that subset).
 *
 * Two statements, each reading the log once:
 * - `experimentTotalsQuery`: every count, sum, histogram, timeline row and reason, in one
 *   GROUP BY GROUPING SETS over one row per request;
 * - `experimentUsersQuery` (only with a canary): per-user sums per served variant, for the
 *   cluster-robust (delta method) intervals of conversion and accuracy.
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
 * One row per request of the slice (`facts`), with the judged candidate's replay beside the
 * served answer, and the merged outcome. Outcome posts are read from the day before the slice:
 * a post can precede its comparison, not (clocks allowing) its request.
 */
function factsPrefix(slice: ExperimentSlice): SqlStatement {
  const bucket = (x: string) =>
    `CAST(FLOOR(LN(GREATEST(${x}, ${LATENCY_FLOOR_MS})) / LN(${LATENCY_BUCKET_RATIO})) AS BIGINT)`;
  const sql = `
WITH judged AS (
  SELECT CAST(? AS VARCHAR) AS production, CAST(? AS VARCHAR) AS candidate, CAST(? AS BIGINT) AS bucket_ms
),
lines AS (
  SELECT r.*, j.production AS judged_production, j.candidate AS judged_candidate, j.bucket_ms AS bucket_ms
  FROM records r CROSS JOIN judged j
  WHERE r.experiment = ? AND r.dt BETWEEN ? AND ? AND r.receivedAtMs >= ? AND r.receivedAtMs < ?
),
requests AS (
  SELECT
    requestId AS request_id,
    arbitrary(judged_production) AS production,
    arbitrary(judged_candidate) AS candidate,
    arbitrary(bucket_ms) AS bucket_ms,
    arbitrary(receivedAtMs) AS received_ms,
    arbitrary(servedVariant) AS served_variant,
    arbitrary(COALESCE(userKey, 'request:' || requestId)) AS user_unit,
    arbitrary(CASE WHEN shadowSampled THEN 1 ELSE 0 END) AS shadow_sampled,
    arbitrary(servedEndpoint) AS served_endpoint,
    arbitrary(servedStatus) AS served_status,
    arbitrary(servedLatencyMs) AS served_latency,
    arbitrary(servedTimeoutMs) AS served_timeout,
    arbitrary(servedLabel) AS served_label,
    arbitrary(CASE WHEN noiseAgree THEN 1 WHEN NOT noiseAgree THEN 0 END) AS noise_agree,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN 1 ELSE 0 END) AS replayed,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN candidateStatus END) AS candidate_status,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN candidateLatencyMs END) AS candidate_latency,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN timeoutMs END) AS candidate_timeout,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN candidateLabel END) AS candidate_label,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN (CASE WHEN agree THEN 1 WHEN NOT agree THEN 0 END) END) AS agree,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN reason END) AS reason,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricEqual END) AS m_equal,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricLabelMatch END) AS m_label_match,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricScoreDelta END) AS m_score_delta,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricFieldsChecked END) AS m_fields_checked,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricFieldsDisagreeing END) AS m_fields_disagreeing,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricMaxAbsDelta END) AS m_max_abs_delta,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricOverlap END) AS m_overlap,
    max(CASE WHEN candidateEndpoint = judged_candidate THEN metricRankCorrelation END) AS m_rank_correlation,
    count(*) - count(DISTINCT COALESCE(candidateEndpoint, '')) AS duplicate_lines
  FROM lines
  GROUP BY requestId
),
posts AS (
  SELECT
    requestId AS request_id,
    min_by(converted, CASE WHEN converted IS NOT NULL THEN postedAt END) AS converted,
    min_by(value, CASE WHEN value IS NOT NULL THEN postedAt END) AS outcome_value,
    min_by(label, CASE WHEN label IS NOT NULL THEN postedAt END) AS label
  FROM outcomes
  WHERE dt >= ?
  GROUP BY requestId
),
joined AS (
  SELECT
    q.*,
    CASE WHEN p.converted THEN 1 WHEN NOT p.converted THEN 0 END AS converted,
    p.outcome_value AS outcome_value,
    p.label AS label,
    CASE
      WHEN q.served_latency IS NULL OR q.served_latency < 0 THEN 0
      WHEN q.replayed = 1 AND (q.candidate_latency IS NULL OR q.candidate_latency < 0) THEN 0
      ELSE 1
    END AS valid,
    CASE WHEN q.served_status = 'error' THEN GREATEST(q.served_latency, COALESCE(q.served_timeout, 0)) ELSE q.served_latency END AS served_effective,
    CASE WHEN q.candidate_status = 'error' THEN GREATEST(q.candidate_latency, COALESCE(q.candidate_timeout, 0)) ELSE q.candidate_latency END AS candidate_effective
  FROM requests q LEFT JOIN posts p ON p.request_id = q.request_id
),
facts AS (
  SELECT
    j.*,
    CASE WHEN valid = 1 AND served_endpoint = production AND served_status <> 'client_error' THEN 1 ELSE 0 END AS production_call,
    CASE WHEN valid = 1 AND served_endpoint = candidate AND served_status <> 'client_error' THEN 1
         WHEN valid = 1 AND replayed = 1 AND candidate_status <> 'client_error' THEN 2
         ELSE 0 END AS candidate_call,
    CASE WHEN valid = 1 AND replayed = 1 AND served_endpoint = production
          AND served_status <> 'client_error' AND candidate_status <> 'client_error' THEN 1 ELSE 0 END AS pair,
    CASE WHEN served_status = 'ok' AND served_label IS NOT NULL AND served_label = label THEN 1 ELSE 0 END AS served_correct,
    CASE WHEN candidate_status = 'ok' AND candidate_label IS NOT NULL AND candidate_label = label THEN 1 ELSE 0 END AS candidate_correct,
    ${bucket('served_effective')} AS served_bucket,
    ${bucket('candidate_effective')} AS candidate_bucket
  FROM joined j
)`;
  return {
    sql,
    parameters: [
      slice.production,
      slice.candidate,
      slice.bucketMinutes * 60_000,
      slice.experiment,
      day(slice.sinceMs),
      day(slice.untilMs),
      slice.sinceMs,
      slice.untilMs,
      day(slice.sinceMs - DAY_MS),
    ],
  };
}

/**
 * Every aggregate but the per-user sums, one row per grouping set and key. Columns that do not
 * apply to a row's set are still computed (one pass is cheaper than one query per set).
 */
export function experimentTotalsQuery(slice: ExperimentSlice): SqlStatement {
  const prefix = factsPrefix(slice);
  const na = NOT_APPLICABLE_BUCKET;
  const sum = (condition: string, value = '1') => `SUM(CASE WHEN ${condition} THEN ${value} ELSE 0 END)`;
  const lnServed = `LN(GREATEST(served_effective, ${LATENCY_FLOOR_MS}))`;
  const candidateEffective =
    'CASE WHEN candidate_call = 1 THEN served_effective ELSE candidate_effective END';
  const lnCandidate = `LN(GREATEST(${candidateEffective}, ${LATENCY_FLOOR_MS}))`;
  const candidateFailed = `((candidate_call = 1 AND served_status = 'error') OR (candidate_call = 2 AND candidate_status = 'error'))`;
  const comparison = 'pair = 1 AND agree IS NOT NULL';
  // Accuracy needs a true label and a predicted label on both sides.
  const labelledComparison = `${comparison} AND label IS NOT NULL AND served_label IS NOT NULL AND candidate_label IS NOT NULL`;
  const metric = (column: string) =>
    `COUNT(CASE WHEN ${comparison} THEN ${column} END) AS ${column}_count, SUM(CASE WHEN ${comparison} THEN ${column} END) AS ${column}_sum, MIN(CASE WHEN ${comparison} THEN ${column} END) AS ${column}_min, MAX(CASE WHEN ${comparison} THEN ${column} END) AS ${column}_max`;
  const sql = `${prefix.sql},
keyed AS (
  SELECT
    f.*,
    CASE WHEN production_call = 1 THEN served_bucket ELSE ${na} END AS production_bucket,
    CASE WHEN candidate_call = 1 THEN served_bucket WHEN candidate_call = 2 THEN candidate_bucket ELSE ${na} END AS candidate_call_bucket,
    CASE WHEN pair = 1 THEN served_bucket ELSE ${na} END AS pair_production_bucket,
    CASE WHEN pair = 1 THEN candidate_bucket ELSE ${na} END AS pair_candidate_bucket,
    CASE WHEN valid = 1 AND served_status <> 'client_error' THEN served_bucket ELSE ${na} END AS arm_bucket,
    CASE WHEN valid = 1 THEN CAST(FLOOR(CAST(received_ms AS DOUBLE) / bucket_ms) AS BIGINT) ELSE ${na} END AS time_bucket,
    CASE WHEN ${comparison} AND agree = 0 THEN COALESCE(reason, 'disagree') ELSE '${NO_REASON}' END AS disagreement
  FROM facts f
)
SELECT
  production_bucket, candidate_call_bucket, pair_production_bucket, pair_candidate_bucket,
  served_variant, served_endpoint, arm_bucket, time_bucket, disagreement,
  COUNT(*) AS rows_in_group,
  ${sum('valid = 1')} AS records,
  ${sum('valid = 0')} AS invalid_records,
  SUM(duplicate_lines) AS duplicate_lines,
  ${sum('valid = 1 AND shadow_sampled = 1')} AS shadow_sampled,
  MIN(CASE WHEN valid = 1 THEN received_ms END) AS first_ms,
  MAX(CASE WHEN valid = 1 THEN received_ms END) AS last_ms,
  ${sum('production_call = 1')} AS production_calls,
  ${sum("production_call = 1 AND served_status = 'error'")} AS production_errors,
  ${sum("valid = 1 AND served_endpoint = production AND served_status = 'client_error'")} AS production_client_errors,
  ${sum('production_call = 1', 'served_effective')} AS production_latency_sum,
  ${sum('production_call = 1', 'served_effective * served_effective')} AS production_latency_sum_squares,
  ${sum('production_call = 1', lnServed)} AS production_log_latency_sum,
  ${sum('production_call = 1', `${lnServed} * ${lnServed}`)} AS production_log_latency_sum_squares,
  ${sum('candidate_call > 0')} AS candidate_calls,
  ${sum(candidateFailed)} AS candidate_errors,
  ${sum("valid = 1 AND ((served_endpoint = candidate AND served_status = 'client_error') OR (replayed = 1 AND candidate_status = 'client_error'))")} AS candidate_client_errors,
  ${sum('candidate_call > 0', candidateEffective)} AS candidate_latency_sum,
  ${sum('candidate_call > 0', `(${candidateEffective}) * (${candidateEffective})`)} AS candidate_latency_sum_squares,
  ${sum('candidate_call > 0', lnCandidate)} AS candidate_log_latency_sum,
  ${sum('candidate_call > 0', `${lnCandidate} * ${lnCandidate}`)} AS candidate_log_latency_sum_squares,
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
  ${sum('pair = 1', 'candidate_effective - served_effective')} AS difference_sum,
  ${sum('pair = 1', '(candidate_effective - served_effective) * (candidate_effective - served_effective)')} AS difference_sum_squares,
  ${sum(`${labelledComparison} AND served_correct = 0 AND candidate_correct = 0`)} AS accuracy_00,
  ${sum(`${labelledComparison} AND served_correct = 0 AND candidate_correct = 1`)} AS accuracy_01,
  ${sum(`${labelledComparison} AND served_correct = 1 AND candidate_correct = 0`)} AS accuracy_10,
  ${sum(`${labelledComparison} AND served_correct = 1 AND candidate_correct = 1`)} AS accuracy_11,
  ${sum('valid = 1 AND converted IS NOT NULL')} AS outcomes_converted,
  ${sum('valid = 1 AND label IS NOT NULL')} AS outcomes_labelled,
  ${sum('valid = 1 AND outcome_value IS NOT NULL')} AS outcomes_with_value,
  ${sum("valid = 1 AND served_status <> 'client_error'")} AS served_requests,
  ${sum("valid = 1 AND served_status = 'error'")} AS served_errors,
  ${metric('m_equal')},
  ${metric('m_label_match')},
  ${metric('m_score_delta')},
  ${metric('m_fields_checked')},
  ${metric('m_fields_disagreeing')},
  ${metric('m_max_abs_delta')},
  ${metric('m_overlap')},
  ${metric('m_rank_correlation')}
FROM keyed
GROUP BY GROUPING SETS (
  (),
  (production_bucket),
  (candidate_call_bucket),
  (pair_production_bucket),
  (pair_candidate_bucket),
  (served_variant, served_endpoint),
  (served_variant, arm_bucket),
  (time_bucket),
  (disagreement)
)`;
  return { sql, parameters: prefix.parameters };
}

/** Per served variant: sums over users of per-user counts (conversion, accuracy, value). */
export function experimentUsersQuery(slice: ExperimentSlice): SqlStatement {
  const prefix = factsPrefix(slice);
  const sql = `${prefix.sql},
per_user AS (
  SELECT
    served_variant,
    user_unit,
    SUM(CASE WHEN converted IS NOT NULL THEN 1 ELSE 0 END) AS conversion_m,
    SUM(CASE WHEN converted = 1 THEN 1 ELSE 0 END) AS conversion_y,
    SUM(CASE WHEN label IS NOT NULL AND served_status = 'ok' AND served_label IS NOT NULL THEN 1 ELSE 0 END) AS accuracy_m,
    SUM(CASE WHEN label IS NOT NULL AND served_status = 'ok' AND served_label IS NOT NULL THEN served_correct ELSE 0 END) AS accuracy_y,
    SUM(CASE WHEN converted IS NOT NULL OR outcome_value IS NOT NULL OR label IS NOT NULL THEN 1 ELSE 0 END) AS value_m,
    SUM(CASE WHEN outcome_value IS NOT NULL THEN outcome_value ELSE 0 END) AS value_y
  FROM facts
  WHERE valid = 1 AND served_status <> 'client_error'
  GROUP BY served_variant, user_unit
)
SELECT
  served_variant,
  COUNT(*) AS users,
  SUM(conversion_m) AS conversion_m, SUM(conversion_y) AS conversion_y,
  SUM(conversion_m * conversion_m) AS conversion_m2, SUM(conversion_y * conversion_y) AS conversion_y2,
  SUM(conversion_m * conversion_y) AS conversion_my,
  SUM(accuracy_m) AS accuracy_m, SUM(accuracy_y) AS accuracy_y,
  SUM(accuracy_m * accuracy_m) AS accuracy_m2, SUM(accuracy_y * accuracy_y) AS accuracy_y2,
  SUM(accuracy_m * accuracy_y) AS accuracy_my,
  SUM(value_m) AS value_m, SUM(value_y) AS value_y,
  SUM(value_m * value_m) AS value_m2, SUM(value_y * value_y) AS value_y2,
  SUM(value_m * value_y) AS value_my
FROM per_user
GROUP BY served_variant`;
  return { sql, parameters: prefix.parameters };
}
