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
export { checkGuardrails } from './guardrail-checks';
export { bucketByTime, chooseBucketMinutes, MAX_TIME_BUCKETS, type TimelineOptions } from './timeline';
export type * from './types';
export { decideVerdict } from './verdict';
