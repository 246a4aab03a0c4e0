export {
  type Aggregator,
  type AggregatorOptions,
  aggregateLines,
  createAggregator,
  isValidLatency,
} from './aggregate-lines';
export type * from './aggregates';
export { checkGuardrails } from './checks';
export {
  type AggregateReportOptions,
  buildReportFromAggregates,
  judgeAggregates,
} from './from-aggregates';
export { checkSampleRatios, SAMPLE_RATIO_ALPHA } from './sample-ratio';
export { chooseBucketMinutes, MAX_TIME_BUCKETS } from './timeline';
export type * from './types';
export { decideVerdict } from './verdict';
