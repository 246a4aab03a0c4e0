/**
 * Metric names shared by the Lambdas (which emit them as EMF) and the stack (which alarms and
 * draws on them). One list, so an alarm can never watch a metric nobody emits.
 */
export const METRICS_NAMESPACE = 'ShadowRollout';

export const MetricName = {
  /** Router */
  PredictRequests: 'PredictRequests',
  ProductionLatency: 'ProductionLatency',
  ProductionErrors: 'ProductionErrors',
  CanaryServed: 'CanaryServed',
  /** Requests without X-User-Id: bucketed by request id, so not sticky across requests. */
  UnstickyRequests: 'UnstickyRequests',
  CanaryLatency: 'CanaryLatency',
  CanaryErrors: 'CanaryErrors',
  RejectedRequests: 'RejectedRequests',
  /** The served model refused the input as the caller's mistake (a 4xx to the caller, no model failure). */
  ModelRejectedRequests: 'ModelRejectedRequests',
  ShadowSampled: 'ShadowSampled',
  ShadowDispatched: 'ShadowDispatched',
  /** The sample never reached the queue: failed within the budget, or after it was counted late. */
  ShadowDispatchFailed: 'ShadowDispatchFailed',
  /** Not confirmed within the dispatch budget; the send was left to finish (likely delivered). */
  ShadowDispatchLate: 'ShadowDispatchLate',
  ShadowSkipped: 'ShadowSkipped',
  /** Canary-served requests are recorded (no candidate call) so their outcomes can be joined. */
  CanaryRecorded: 'CanaryRecorded',
  CanaryRecordFailed: 'CanaryRecordFailed',
  /** Worker */
  CandidateInvocations: 'CandidateInvocations',
  CandidateLatency: 'CandidateLatency',
  CandidateErrors: 'CandidateErrors',
  CandidateThrottled: 'CandidateThrottled',
  /** A candidate refused a replayed input as invalid: the pair is left out, not a candidate failure. */
  CandidateClientErrors: 'CandidateClientErrors',
  Compared: 'Compared',
  Agreement: 'Agreement',
  /** Production compared with itself (noise baseline). */
  NoiseBaselineAgreement: 'NoiseBaselineAgreement',
  DuplicateDeliveries: 'DuplicateDeliveries',
  InvalidShadowMessages: 'InvalidShadowMessages',
  /** Evidence log: lines appended, and appends that failed after retries (the message is redelivered). */
  EvidenceLinesAppended: 'EvidenceLinesAppended',
  EvidenceAppendFailures: 'EvidenceAppendFailures',
  /** Appends retried by the adapter before succeeding or failing. */
  EvidenceAppendRetries: 'EvidenceAppendRetries',
  /** Production-served requests recorded without a replay while a canary runs (outcome joins). */
  ProductionRecorded: 'ProductionRecorded',
  ProductionRecordFailed: 'ProductionRecordFailed',
  /** Runtime config */
  /** A read of the runtime config failed (the router keeps its last or the deploy-time values). */
  RuntimeConfigErrors: 'RuntimeConfigErrors',
  /**
   * The first read at cold start outlasted its deadline, so the first requests used the
   * deploy-time values; the read goes on and counts as an error only if it fails.
   */
  RuntimeConfigDeadlineFallbacks: 'RuntimeConfigDeadlineFallbacks',
  AutomaticRollbacks: 'AutomaticRollbacks',
  /** Rollout controller: every transition it made, its rollbacks, and the shadow circuit breaker. */
  RolloutTransitions: 'RolloutTransitions',
  RolloutRollbacks: 'RolloutRollbacks',
  RolloutTickFailures: 'RolloutTickFailures',
  ShadowBreakerTrips: 'ShadowBreakerTrips',
  ShadowBreakerRestores: 'ShadowBreakerRestores',
  /** Outcomes */
  ProductionOutcomes: 'ProductionOutcomes',
  ProductionConversions: 'ProductionConversions',
  CanaryOutcomes: 'CanaryOutcomes',
  CanaryConversions: 'CanaryConversions',
  /** 0/1 per labelled outcome: whether the model's predicted label matches (Average = accuracy). */
  ProductionLabelCorrect: 'ProductionLabelCorrect',
  CanaryLabelCorrect: 'CanaryLabelCorrect',
  CandidateLabelCorrect: 'CandidateLabelCorrect',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];
