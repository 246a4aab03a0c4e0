import type { LabelReader } from '../comparators/predicted-label';
import { canonicalLabel } from '../comparators/values';
import type { ComparisonRecord, Outcome, StoredModelResult } from '../comparison-record';
import { type CallStatus, dayOf, EVIDENCE_LOG_VERSION, type OutcomeLine, type RecordLine } from './log-lines';

/** Experiment of records written before the router stamped one. */
export const UNKNOWN_EXPERIMENT = 'unknown';

/** Timeouts assumed for records that do not carry theirs (the stage defaults). */
const DEFAULT_TIMEOUT_MS = { served: 3000, candidate: 5000 } as const;

/** The comparator numbers the log has a column for; others are kept in DynamoDB only. */
const METRIC_COLUMNS = {
  equal: 'metricEqual',
  labelMatch: 'metricLabelMatch',
  scoreDelta: 'metricScoreDelta',
  fieldsChecked: 'metricFieldsChecked',
  fieldsDisagreeing: 'metricFieldsDisagreeing',
  maxAbsDelta: 'metricMaxAbsDelta',
  overlap: 'metricOverlap',
  rankCorrelation: 'metricRankCorrelation',
} as const satisfies Record<string, keyof RecordLine>;

type MetricColumn = (typeof METRIC_COLUMNS)[keyof typeof METRIC_COLUMNS];

/** A container's own 4xx is the caller's mistake, not the model's failure. */
export function callStatusOf(result: StoredModelResult): CallStatus {
  if (result.status === 'ok') return 'ok';
  return result.error?.code === 'invalid_request' ? 'client_error' : 'error';
}

/**
 * The evidence-log lines of one stored comparison record: one per candidate it was replayed on,
 * or one without a candidate. A pure function of the stored item, so every delivery that appends
 * a request's lines (the first, or a redelivery after a crash) appends the same lines.
 */
export function recordLines(record: ComparisonRecord, labelOf: LabelReader): RecordLine[] {
  const served = record.served;
  const noise = record.noiseBaseline?.comparison;
  const base = {
    v: EVIDENCE_LOG_VERSION,
    requestId: record.requestId,
    experiment: record.experiment ?? UNKNOWN_EXPERIMENT,
    receivedAt: record.receivedAt,
    receivedAtMs: Date.parse(record.receivedAt),
    dt: dayOf(record.receivedAt),
    servedVariant: record.servedVariant,
    userKey: record.userKey,
    shadowSampled: record.shadowSampled ?? record.candidates.length > 0,
    servedEndpoint: served.endpoint,
    servedStatus: callStatusOf(served),
    servedErrorCode: served.status === 'ok' ? null : (served.error?.code ?? 'unknown'),
    servedLatencyMs: served.latencyMs,
    servedLabel: labelOf(served) ?? null,
    noiseAgree: noise === undefined ? null : noise.agree,
    timeoutMs: record.candidateTimeoutMs ?? DEFAULT_TIMEOUT_MS.candidate,
    servedTimeoutMs: record.servedTimeoutMs ?? DEFAULT_TIMEOUT_MS.served,
  };
  if (record.candidates.length === 0) {
    return [
      {
        ...base,
        candidateEndpoint: null,
        candidateStatus: null,
        candidateErrorCode: null,
        candidateLatencyMs: null,
        candidateLabel: null,
        agree: null,
        reason: null,
        ...metricColumns(undefined),
      },
    ];
  }
  return record.candidates.map((candidate) => {
    const comparison = candidate.comparison;
    return {
      ...base,
      candidateEndpoint: candidate.endpoint,
      candidateStatus: callStatusOf(candidate.result),
      candidateErrorCode:
        candidate.result.status === 'ok' ? null : (candidate.result.error?.code ?? 'unknown'),
      candidateLatencyMs: candidate.result.latencyMs,
      candidateLabel: labelOf(candidate.result) ?? null,
      agree: comparison === undefined ? null : comparison.agree,
      reason: comparison === undefined || comparison.agree ? null : (comparison.reason ?? 'disagree'),
      ...metricColumns(comparison?.metrics),
    };
  });
}

function metricColumns(
  metrics: Readonly<Record<string, number>> | undefined,
): Record<MetricColumn, number | null> {
  const columns = {} as Record<MetricColumn, number | null>;
  for (const [name, column] of Object.entries(METRIC_COLUMNS)) {
    const value = metrics?.[name];
    columns[column] = typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  return columns;
}

/** The evidence-log line of one outcome post, as posted (fields merge first-wins in analysis). */
export function outcomeLine(requestId: string, outcome: Outcome): OutcomeLine {
  const label = outcome.label === undefined ? undefined : canonicalLabel(outcome.label);
  return {
    v: EVIDENCE_LOG_VERSION,
    requestId,
    postedAt: outcome.receivedAt,
    dt: dayOf(outcome.receivedAt),
    converted: outcome.converted ?? null,
    value: outcome.value ?? null,
    label: label ?? null,
  };
}
