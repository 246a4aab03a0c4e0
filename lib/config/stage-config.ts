import type { ShadowBreakerSettings } from '../../lambda/configuration/function-settings';
import type { ComparatorConfig } from '../../lambda/core/comparators/types';
import type { Guardrails } from '../../lambda/core/guardrails';
import type { InputSchema } from '../../lambda/core/input-contract';
import type { RolloutPlanSpec } from '../../lambda/core/rollout/plan';
import type { ShadowDispatch } from '../../lambda/core/shadow-dispatch';

export type { Guardrails, ShadowBreakerSettings };

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** How callers authenticate to the API. There is deliberately no "none". */
export type ApiAuth = 'iam' | 'apiKey';

export interface StageConfig {
  readonly stage: Stage;
  /** Target account/region; when absent the stack is environment-agnostic (synth works offline). */
  readonly env?: { readonly account?: string; readonly region?: string };

  /** SageMaker endpoint that answers callers. */
  readonly productionEndpoint: string;
  /** SageMaker endpoints replayed in shadow (and the first one served as canary). */
  readonly candidateEndpoints: readonly string[];

  readonly shadow: {
    readonly enabled: boolean;
    /** Share (0..1) of production-served requests replayed against the candidates. */
    readonly sampleRate: number;
    readonly comparator: ComparatorConfig;
    /** Store request bodies (bounded) in comparison records; when false only a hash is kept. */
    readonly captureInput: boolean;
    /** Days a comparison record is kept before DynamoDB TTL removes it. */
    readonly recordTtlDays: number;
    /**
     * Share (0..1) of shadow samples the worker also replays against production itself, to
     * measure how often the production model disagrees with its own answer (the agreement noise
     * floor). Above 0 the worker may invoke the production endpoint.
     */
    readonly noiseBaselineRate: number;
  };

  /** Deploy-time canary share (0..100) of users served by the first candidate. */
  readonly canaryPercent: number;

  readonly api: {
    readonly auth: ApiAuth;
    /** Steady-state requests per second for the whole stage. */
    readonly throttlingRateLimit: number;
    readonly throttlingBurstLimit: number;
    /**
     * ARN of a regional WAFv2 web ACL to associate with the API stage.
     * @default - no web ACL (callers must already be IAM- or key-authenticated)
     */
    readonly webAclArn?: string;
    /**
     * Create the account-wide role API Gateway uses to write logs. Access and execution logging
     * fail to deploy in an account/region where it was never set; exactly one stack there should own it.
     * Usually chosen at deploy time with `-c apiCloudWatchRole=true` (README, "First deploy").
     * @default false
     */
    readonly cloudWatchRole?: boolean;
  };

  /**
   * Traffic the stage's alarms are sized for (lib/monitoring/alarm-sizing.ts): each rate and
   * percentile alarm gets the shortest period in which this traffic gives it enough samples, and
   * synth fails when no period up to an hour does. docs/alarms.md lists what each alarm needs.
   */
  readonly expectedTraffic: {
    /** Requests per minute to POST /predict in a quiet but normal hour. */
    readonly requestsPerMinute: number;
    /** Smallest canary share (%) a rollout starts with: the canary alarms are sized for it. */
    readonly smallestCanaryPercent: number;
    /** Share (0..1) of requests whose outcome (conversion, label) is posted back. */
    readonly outcomeShare: number;
  };

  readonly router: {
    readonly memoryMb: number;
    /**
     * Concurrent executions reserved for the router: the worker's event source can never starve
     * the request path, and a runaway caller cannot take the account's whole pool. The account
     * must keep 100 unreserved (a new account's quota may be lower: ask for an increase first).
     */
    readonly reservedConcurrency: number;
    /** Whole budget for the production call, retries included. */
    readonly modelTimeoutMs: number;
    readonly modelMaxAttempts: number;
    /** Most time the caller may wait for the shadow dispatch to SQS (`before-response`). */
    readonly dispatchBudgetMs: number;
    /**
     * Whether the shadow sample is sent before answering (the caller waits up to the budget) or
     * after, with an internal Lambda extension keeping the environment running until the send
     * settles. See lambda/core/shadow-dispatch.ts.
     */
    readonly shadowDispatch: ShadowDispatch;
    /** Largest request body accepted (bytes); larger is a 413. */
    readonly maxPayloadBytes: number;
    /** Largest shadow message sent; larger requests are skipped with a counted reason. */
    readonly maxMessageBytes: number;
    /**
     * The input contract: a JSON Schema (the subset in lambda/core/input-contract.ts) every
     * request body must match. The router answers 400 to a body that does not, before calling
     * any model; non-JSON content types get a 415.
     * @default - none: any body of a supported content type is passed to the model
     */
    readonly inputSchema?: InputSchema;
  };

  readonly worker: {
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    readonly batchSize: number;
    readonly maxBatchingWindowSeconds: number;
    /** Cap on concurrent worker invocations, to protect the candidate endpoint (min 2). */
    readonly maxConcurrency: number;
    readonly candidateTimeoutMs: number;
    readonly candidateMaxAttempts: number;
  };

  readonly queue: {
    /** Receives before a shadow message goes to the DLQ. */
    readonly maxReceiveCount: number;
  };

  /** The append-only evidence log on S3 and the SQL that analyses it (Firehose, Glue, Athena). */
  readonly evidence: EvidenceSettings;

  /** Verdict thresholds; the canary and candidate alarms use the same values. */
  readonly guardrails: Guardrails;
  /** Alarm timing and the operational thresholds that are not verdict guardrails. */
  readonly alarms: AlarmSettings;
  /** Progressive rollout: the default plan and the shadow circuit breaker. */
  readonly rollout: RolloutSettings;
  /**
   * Addresses subscribed (by email, after confirmation) to the stage's alarm topic. Also from
   * `-c alarmEmails=a@example.com,b@example.com` at deploy time.
   */
  readonly alarmEmails: readonly string[];
  /**
   * HTTPS endpoints subscribed to the alarm topic (an on-call tool's SNS integration URL). Also
   * from `-c alarmHttpsEndpoints=https://…` at deploy time.
   * @default - none
   */
  readonly alarmHttpsEndpoints?: readonly string[];
  /** Synth fails unless the alarm topic has at least one subscriber (email or HTTPS). */
  readonly requireAlarmSubscriber: boolean;
  /**
   * Variant names of each SageMaker endpoint, for the endpoints' own metrics (AWS/SageMaker,
   * /aws/sagemaker/Endpoints are per EndpointName and VariantName).
   * @default - `AllTraffic` (the name SageMaker examples and most tools give a single variant)
   */
  readonly endpointVariants?: Readonly<Record<string, readonly string[]>>;

  /** Point-in-time recovery on the comparison and runtime config tables. */
  readonly pointInTimeRecovery: boolean;
  /** Keep data stores when the stack is deleted. */
  readonly retainData: boolean;
  /** Days logs are kept. */
  readonly logRetentionDays: number;
}

/**
 * How evidence objects are encrypted at rest: a customer-managed KMS key (rotated, auditable in
 * CloudTrail, revocable) or S3-managed keys (no key to pay for or to grant).
 */
export type EvidenceEncryption = 'kms' | 's3-managed';

export interface EvidenceSettings {
  /**
   * Days records and outcomes stay in the log (S3 lifecycle). The log is the verdict's evidence,
   * so this outlives the DynamoDB records (`shadow.recordTtlDays`, which only serve look-ups) and
   * bounds the longest experiment that can still be judged since its start.
   */
  readonly retentionDays: number;
  readonly encryption: EvidenceEncryption;
  /** Why this stage uses the encryption it does (kept next to the choice, shown in the docs). */
  readonly encryptionReason: string;
  /** S3 versioning: overwritten or deleted objects stay recoverable for `retentionDays`. */
  readonly versioning: boolean;
  /** S3 server access logs of the evidence bucket, into a log bucket of the stage. */
  readonly accessLogging: boolean;
  /**
   * Longest time (seconds, 60–900) Firehose buffers lines before writing an object: how far
   * behind the log (and the report) may be. Shorter means more, smaller objects.
   */
  readonly bufferingSeconds: number;
  /**
   * Bytes one Athena query may scan before Athena cancels it (at least 10 MB): a cost ceiling
   * per report query, sized well above a whole retention of the stage's traffic.
   */
  readonly maxBytesScannedPerQuery: number;
  /** Days Athena keeps query results (they are read once, right after the query). */
  readonly queryResultRetentionDays: number;
}

/**
 * How alarms evaluate, and the thresholds of the operational alarms. Guardrail alarms (candidate
 * and canary latency, error rates, agreement, conversion drop, shadow backlog age) take their
 * thresholds from `guardrails`, so the alarms and the report's verdict never disagree.
 */
export interface AlarmSettings {
  /**
   * Length (minutes) of one datapoint of the count alarms (function errors and throttles, backlog
   * age, DLQ, heartbeat), and the shortest period of a rate or percentile alarm; those get longer
   * periods when `expectedTraffic` does not fill this one with enough samples.
   */
  readonly periodMinutes: number;
  /** Datapoints an alarm looks at ("M" of "N out of M"). */
  readonly evaluationPeriods: number;
  /** Breaching datapoints among them that put an alarm in ALARM ("N" of "N out of M"). */
  readonly datapointsToAlarm: number;
  /** p99 latency (ms) of the production model as callers see it. */
  readonly productionP99LatencyMs: number;
  /** Share (0..1) of API responses that are 5xx. */
  readonly maxApiServerErrorRate: number;
  /** Share (0..1) of shadow dispatches to the queue that fail (evidence silently lost). */
  readonly maxShadowDispatchFailureRate: number;
  /**
   * Share (0..1) of shadow dispatches not confirmed within the dispatch budget. Some lateness is
   * SQS's normal tail; a large share means the queue or the network is in trouble.
   */
  readonly maxShadowDispatchLateRate: number;
  /** Unhandled errors per function and datapoint tolerated (handlers map expected errors to responses). */
  readonly maxFunctionErrors: number;
  /** Throttled invocations per function and datapoint tolerated. */
  readonly maxFunctionThrottles: number;
  /**
   * Failed runtime config reads per datapoint tolerated. The router keeps serving from its last
   * value, but a rollback or kill switch it cannot read does not take effect. A first read that
   * only outlasts its cold-start deadline is not a failure (RuntimeConfigDeadlineFallbacks).
   */
  readonly maxRuntimeConfigErrors: number;
}

/** How `rollout start` walks when no plan file is given, and when the controller lowers shadowing. */
export interface RolloutSettings {
  /** The stage's default plan (same format as a plan file; durations like "30s", "15m", "4h"). */
  readonly plan: RolloutPlanSpec;
  readonly breaker: ShadowBreakerSettings;
}
