/**
 * Metric names shared by the Lambdas (which emit them as EMF) and the stack (which alarms and
 * draws on them). One list, so an alarm can never watch a metric nobody emits.
 */
export const METRICS_NAMESPACE = 'ShadowRollout';

/** `{ Name: 'Name', … }` from the names alone: each name is written once (the router's bundle counts bytes). */
function nameTable<const Names extends readonly string[]>(
  ...names: Names
): { readonly [N in Names[number]]: N } {
  return Object.fromEntries(names.map((name) => [name, name])) as { readonly [N in Names[number]]: N };
}

export const MetricName = nameTable(
  /** Router */
  'PredictRequests',
  'ProductionLatency',
  'ProductionErrors',
  'CanaryServed',
  /** Requests without X-User-Id: bucketed by request id, so not sticky across requests. */
  'UnstickyRequests',
  'CanaryLatency',
  'CanaryErrors',
  'RejectedRequests',
  /** The served model refused the input as the caller's mistake (a 4xx to the caller, no model failure). */
  'ModelRejectedRequests',
  'ShadowSampled',
  'ShadowDispatched',
  /** The sample never reached the queue: failed within the budget, or after it was counted late. */
  'ShadowDispatchFailed',
  /** Not confirmed within the dispatch budget; the send was left to finish (likely delivered). */
  'ShadowDispatchLate',
  'ShadowSkipped',
  /** Canary-served requests are recorded (no candidate call) so their outcomes can be joined. */
  'CanaryRecorded',
  'CanaryRecordFailed',
  /** Worker */
  'CandidateInvocations',
  'CandidateLatency',
  'CandidateErrors',
  'CandidateThrottled',
  /** A candidate refused a replayed input as invalid: the pair is left out, not a candidate failure. */
  'CandidateClientErrors',
  'Compared',
  'Agreement',
  /** Production compared with itself (noise baseline). */
  'NoiseBaselineAgreement',
  'DuplicateDeliveries',
  'InvalidShadowMessages',
  /** Evidence log: lines appended, and appends that failed after retries (the message is redelivered). */
  'EvidenceLinesAppended',
  'EvidenceAppendFailures',
  /** Appends retried by the adapter before succeeding or failing. */
  'EvidenceAppendRetries',
  /** Production-served requests recorded without a replay while a canary runs (outcome joins). */
  'ProductionRecorded',
  'ProductionRecordFailed',
  /** Runtime config */
  /** A read of the runtime config failed (the router keeps its last or the deploy-time values). */
  'RuntimeConfigErrors',
  /**
   * The first read at cold start outlasted its deadline, so the first requests used the
   * deploy-time values; the read goes on and counts as an error only if it fails.
   */
  'RuntimeConfigDeadlineFallbacks',
  'AutomaticRollbacks',
  /** Rollout controller: every transition it made, its rollbacks, and the shadow circuit breaker. */
  'RolloutTransitions',
  'RolloutRollbacks',
  'RolloutTickFailures',
  'ShadowBreakerTrips',
  'ShadowBreakerRestores',
  /** Outcomes */
  'ProductionOutcomes',
  'ProductionConversions',
  'CanaryOutcomes',
  'CanaryConversions',
  /** 0/1 per labelled outcome: whether the model's predicted label matches (Average = accuracy). */
  'ProductionLabelCorrect',
  'CanaryLabelCorrect',
  'CandidateLabelCorrect',
);

export type MetricName = (typeof MetricName)[keyof typeof MetricName];
