import type { OutcomeLine, RecordLine } from './log-lines';

/** SQL types of the log's columns, shared by DuckDB (read_json columns) and the Glue table. */
export type ColumnType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'BOOLEAN';

/**
 * The columns of the `records` relation, in log order. `dt` is the partition column (from the
 * path), so it is not read from the line. One entry per RecordLine field: the compiler checks.
 */
export const RECORD_COLUMNS = {
  v: 'INTEGER',
  requestId: 'VARCHAR',
  experiment: 'VARCHAR',
  receivedAt: 'VARCHAR',
  receivedAtMs: 'BIGINT',
  servedVariant: 'VARCHAR',
  userKey: 'VARCHAR',
  shadowSampled: 'BOOLEAN',
  servedEndpoint: 'VARCHAR',
  servedStatus: 'VARCHAR',
  servedErrorCode: 'VARCHAR',
  servedLatencyMs: 'DOUBLE',
  servedLabel: 'VARCHAR',
  candidateEndpoint: 'VARCHAR',
  candidateStatus: 'VARCHAR',
  candidateErrorCode: 'VARCHAR',
  candidateLatencyMs: 'DOUBLE',
  candidateLabel: 'VARCHAR',
  agree: 'BOOLEAN',
  reason: 'VARCHAR',
  noiseAgree: 'BOOLEAN',
  metricEqual: 'DOUBLE',
  metricLabelMatch: 'DOUBLE',
  metricScoreDelta: 'DOUBLE',
  metricFieldsChecked: 'DOUBLE',
  metricFieldsDisagreeing: 'DOUBLE',
  metricMaxAbsDelta: 'DOUBLE',
  metricOverlap: 'DOUBLE',
  metricRankCorrelation: 'DOUBLE',
  timeoutMs: 'DOUBLE',
  servedTimeoutMs: 'DOUBLE',
} as const satisfies Record<Exclude<keyof RecordLine, 'dt'>, ColumnType>;

export const OUTCOME_COLUMNS = {
  v: 'INTEGER',
  requestId: 'VARCHAR',
  postedAt: 'VARCHAR',
  converted: 'BOOLEAN',
  value: 'DOUBLE',
  label: 'VARCHAR',
} as const satisfies Record<Exclude<keyof OutcomeLine, 'dt'>, ColumnType>;

/** The partition column of both relations: the UTC day, `YYYY-MM-DD`. */
export const PARTITION_COLUMN = 'dt';
