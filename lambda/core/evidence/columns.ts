import type { OutcomeLine, RecordLine } from './log-lines';

/**
 * The evidence log's columns as a SQL engine declares them, one entry per field of the line
 * types (the `Record<keyof …>` makes a field added to a line without a column a compile error).
 * The Glue tables (Athena) are generated from these; `dt` is the partition column, taken from
 * the object's path, so it is not a data column there.
 *
 * Types are the ones Trino and DuckDB share: `string`, `double`, `int`, `boolean`. Timestamps
 * stay ISO-8601 strings (they compare correctly as text), so one SQL text works on both.
 */
export type ColumnType = 'string' | 'double' | 'int' | 'boolean';

type Columns<Line> = { readonly [K in Exclude<keyof Line, 'dt'>]: ColumnType };

export const RECORD_COLUMNS: Columns<RecordLine> = {
  v: 'int',
  requestId: 'string',
  experiment: 'string',
  receivedAt: 'string',
  servedVariant: 'string',
  userKey: 'string',
  shadowSampled: 'boolean',
  servedEndpoint: 'string',
  servedStatus: 'string',
  servedErrorCode: 'string',
  servedLatencyMs: 'double',
  servedLabel: 'string',
  candidateEndpoint: 'string',
  candidateStatus: 'string',
  candidateErrorCode: 'string',
  candidateLatencyMs: 'double',
  candidateLabel: 'string',
  agree: 'boolean',
  reason: 'string',
  noiseAgree: 'boolean',
  metricEqual: 'double',
  metricLabelMatch: 'double',
  metricScoreDelta: 'double',
  metricFieldsChecked: 'double',
  metricFieldsDisagreeing: 'double',
  metricMaxAbsDelta: 'double',
  metricOverlap: 'double',
  metricRankCorrelation: 'double',
  timeoutMs: 'double',
};

export const OUTCOME_COLUMNS: Columns<OutcomeLine> = {
  v: 'int',
  requestId: 'string',
  postedAt: 'string',
  converted: 'boolean',
  value: 'double',
  label: 'string',
};

/** The two relations of the log, as the shared SQL names them (and the Glue tables are named). */
export const EVIDENCE_RELATIONS = ['records', 'outcomes'] as const;
export type EvidenceRelation = (typeof EVIDENCE_RELATIONS)[number];

export const COLUMNS_OF: { readonly [R in EvidenceRelation]: Readonly<Record<string, ColumnType>> } = {
  records: RECORD_COLUMNS,
  outcomes: OUTCOME_COLUMNS,
};

/** The day partition column: `dt=YYYY-MM-DD` in every object's path. */
export const PARTITION_COLUMN = 'dt';
