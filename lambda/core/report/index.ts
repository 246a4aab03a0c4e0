export {
  type Aggregator,
  type AggregatorOptions,
  aggregateLines,
  createAggregator,
  isValidLatency,
} from './aggregate-lines';
export type * from './aggregates';
export {
  buildReport,
  type Judgement,
  judgeEvidence,
  latencyHistogram,
  type ReportOptions,
} from './build-report';
export {
  collectEvidence,
  createEvidenceCollector,
  type Endpoints,
  type Evidence,
  type EvidenceCollector,
  resolveEndpoints,
} from './evidence';
export {
  type AggregateReportOptions,
  buildReportFromAggregates,
  judgeAggregates,
} from './from-aggregates';
export { checkGuardrails } from './guardrail-checks';
export { checkSampleRatios, SAMPLE_RATIO_ALPHA } from './sample-ratio';
export { bucketByTime, chooseBucketMinutes, MAX_TIME_BUCKETS, type TimelineOptions } from './timeline';
export type * from './types';
export { decideVerdict } from './verdict';
