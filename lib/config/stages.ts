import * as Setting from '../../lambda/configuration/function-settings';
import { settingProblems } from '../../lambda/configuration/setting';
import { UserError } from '../../lambda/core/errors';
import { inputSchemaProblems as schemaProblems } from '../../lambda/core/input-schema-problems';
import { planProblems } from '../../lambda/core/rollout/plan';
import { AFTER_RESPONSE_DISPATCH_BUDGET_MS } from '../../lambda/core/shadow-dispatch';
import { ALARM_PERIODS_MINUTES, SIZED_ALARMS, sizeAlarms } from '../monitoring/alarm-sizing';
import {
  type AlarmSettings,
  type EvidenceSettings,
  STAGES,
  type Stage,
  type StageConfig,
} from './stage-config';

const churnClassification = {
  type: 'classification',
  labelPath: 'label',
  scorePath: 'probability',
  maxScoreDelta: 0.1,
} as const;

const guardrails = {
  maxP99LatencyMs: 300,
  maxLatencyIncreaseMs: 50,
  maxErrorRate: 0.01,
  minAgreement: 0.9,
  // A candidate meant to answer differently (a better model) is judged on accuracy against
  // labels, not on agreeing with production: set 'evidence' for such a rollout.
  agreement: 'guardrail',
  // Accuracy non-inferiority margin once labels arrive: at most 1 point below production.
  maxAccuracyDrop: 0.01,
  maxConversionDrop: 0.01,
  // And at most 10 % fewer conversions than production, relative: at a 10 % base rate the two
  // limits coincide; when the base rate falls (season, new market) one point becomes a large
  // share of it, and only the relative limit still catches a canary that loses a third of it.
  maxConversionDropRelative: 0.1,
  minSampleSize: 500,
  minConversionTraffic: 200,
  maxShadowBacklogAgeSeconds: 300,
} as const;

/** The breaker trips on a candidate that is badly broken (far past the verdict's error guardrail) or a stuck backlog. */
const breaker = {
  maxCandidateErrorRate: 0.2,
  maxBacklogAgeSeconds: guardrails.maxShadowBacklogAgeSeconds,
  minCandidateCalls: 20,
  reducedSampleRateFactor: 0.1,
  windowMinutes: 5,
  minOpenMinutes: 10,
} as const;

const alarms = {
  periodMinutes: 5,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  productionP99LatencyMs: 500,
  maxApiServerErrorRate: 0.02,
  maxShadowDispatchFailureRate: 0.05,
  maxShadowDispatchLateRate: 0.2,
  maxFunctionErrors: 0,
  maxFunctionThrottles: 0,
  maxRuntimeConfigErrors: 0,
} as const;

const GB = 1_000_000_000;

/**
 * Deploy-time configuration, one entry per stage. Endpoint names are the team's own
 * SageMaker endpoints; override them at deploy time with `-c productionEndpoint=… -c candidateEndpoints=a,b`.
 */
export const stages: Readonly<Record<Stage, StageConfig>> = {
  dev: {
    stage: 'dev',
    productionEndpoint: 'churn-v1',
    candidateEndpoints: ['churn-v2'],
    shadow: {
      enabled: true,
      sampleRate: 1,
      comparator: churnClassification,
      captureInput: true,
      recordTtlDays: 7,
      noiseBaselineRate: 0.05,
    },
    canaryPercent: 0,
    api: { auth: 'iam', throttlingRateLimit: 50, throttlingBurstLimit: 100 },
    // Sized so that every alarm can evaluate in dev too (docs/alarms.md): a dev canary starts at 20 %.
    expectedTraffic: { requestsPerMinute: 60, smallestCanaryPercent: 20, outcomeShare: 0.2 },
    router: {
      memoryMb: 512,
      reservedConcurrency: 10,
      modelTimeoutMs: 3000,
      modelMaxAttempts: 2,
      dispatchBudgetMs: 50,
      shadowDispatch: 'after-response',
      maxPayloadBytes: 5_000_000,
      maxMessageBytes: 256 * 1024,
    },
    worker: {
      memoryMb: 512,
      timeoutSeconds: 30,
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      maxConcurrency: 2,
      candidateTimeoutMs: 5000,
      candidateMaxAttempts: 2,
    },
    queue: { maxReceiveCount: 5 },
    evidence: {
      retentionDays: 30,
      encryption: 's3-managed',
      encryptionReason:
        'Demo and test traffic only: S3-managed keys avoid a key per developer stack; staging exercises the KMS path prod uses.',
      versioning: false,
      accessLogging: false,
      bufferingSeconds: 60,
      maxBytesScannedPerQuery: 1 * GB,
      queryResultRetentionDays: 1,
    },
    guardrails: { ...guardrails, minSampleSize: 100, minConversionTraffic: 20 },
    alarms: {
      ...alarms,
      productionP99LatencyMs: 1000,
      maxApiServerErrorRate: 0.05,
      maxShadowDispatchFailureRate: 0.1,
      maxFunctionErrors: 2,
    },
    rollout: {
      plan: {
        steps: [
          { canaryPercent: 0, minDuration: '10m', maxDuration: '1h', minSamples: 100 },
          { canaryPercent: 10, minDuration: '15m', maxDuration: '2h', minSamples: 100 },
          { canaryPercent: 50, minDuration: '15m', maxDuration: '2h', minSamples: 100 },
        ],
        promote: true,
      },
      breaker: { ...breaker, minOpenMinutes: 5 },
    },
    alarmEmails: [],
    requireAlarmSubscriber: false,
    pointInTimeRecovery: false,
    retainData: false,
    logRetentionDays: 7,
  },
  staging: {
    stage: 'staging',
    productionEndpoint: 'churn-v1',
    candidateEndpoints: ['churn-v2'],
    shadow: {
      enabled: true,
      sampleRate: 0.5,
      comparator: churnClassification,
      captureInput: true,
      recordTtlDays: 14,
      noiseBaselineRate: 0.02,
    },
    canaryPercent: 0,
    api: { auth: 'iam', throttlingRateLimit: 200, throttlingBurstLimit: 400 },
    expectedTraffic: { requestsPerMinute: 100, smallestCanaryPercent: 10, outcomeShare: 0.2 },
    router: {
      memoryMb: 1024,
      reservedConcurrency: 50,
      modelTimeoutMs: 2000,
      modelMaxAttempts: 2,
      dispatchBudgetMs: 30,
      shadowDispatch: 'after-response',
      maxPayloadBytes: 5_000_000,
      maxMessageBytes: 256 * 1024,
    },
    worker: {
      memoryMb: 1024,
      timeoutSeconds: 30,
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      maxConcurrency: 5,
      candidateTimeoutMs: 3000,
      candidateMaxAttempts: 2,
    },
    queue: { maxReceiveCount: 5 },
    evidence: {
      retentionDays: 90,
      encryption: 'kms',
      encryptionReason: 'The same customer-managed key path as prod, so its grants are proven before prod.',
      versioning: false,
      accessLogging: true,
      bufferingSeconds: 60,
      maxBytesScannedPerQuery: 10 * GB,
      queryResultRetentionDays: 3,
    },
    guardrails,
    alarms,
    rollout: {
      plan: {
        steps: [
          { canaryPercent: 0, sampleRate: 0.5, minDuration: '2h', maxDuration: '24h', minSamples: 1000 },
          { canaryPercent: 5, minDuration: '1h', maxDuration: '12h', minSamples: 500 },
          { canaryPercent: 25, minDuration: '1h', maxDuration: '12h' },
          { canaryPercent: 50, minDuration: '1h', maxDuration: '12h' },
        ],
        promote: true,
      },
      breaker,
    },
    alarmEmails: [],
    requireAlarmSubscriber: false,
    pointInTimeRecovery: false,
    retainData: false,
    logRetentionDays: 30,
  },
  prod: {
    stage: 'prod',
    productionEndpoint: 'churn-v1',
    candidateEndpoints: ['churn-v2'],
    shadow: {
      enabled: true,
      sampleRate: 0.1,
      comparator: churnClassification,
      captureInput: false,
      recordTtlDays: 30,
      noiseBaselineRate: 0.01,
    },
    canaryPercent: 0,
    api: { auth: 'iam', throttlingRateLimit: 1000, throttlingBurstLimit: 2000 },
    expectedTraffic: { requestsPerMinute: 600, smallestCanaryPercent: 5, outcomeShare: 0.2 },
    router: {
      memoryMb: 1024,
      // The throttle (1000 req/s) at about 0.2 s per request.
      reservedConcurrency: 200,
      modelTimeoutMs: 2000,
      modelMaxAttempts: 2,
      // AWS gives typical SendMessage latencies "in the tens or low hundreds of milliseconds"
      // (Amazon SQS FAQs): 100 ms lets the typical send finish and counts only the tail as late.
      dispatchBudgetMs: 100,
      // Answering first needs the after-response extension, which no deployment has exercised
      // yet: switch prod once staging shows ShadowDispatchFailed at zero, no extension errors in
      // the router's logs and a PostRuntimeExtensionsDuration of a few ms.
      shadowDispatch: 'before-response',
      maxPayloadBytes: 5_000_000,
      maxMessageBytes: 256 * 1024,
    },
    worker: {
      memoryMb: 1024,
      timeoutSeconds: 30,
      batchSize: 10,
      maxBatchingWindowSeconds: 2,
      maxConcurrency: 10,
      candidateTimeoutMs: 3000,
      candidateMaxAttempts: 2,
    },
    queue: { maxReceiveCount: 5 },
    evidence: {
      retentionDays: 400,
      encryption: 'kms',
      encryptionReason:
        'Production evidence: a rotated customer-managed key whose every use is in CloudTrail and whose grants can be revoked.',
      versioning: true,
      accessLogging: true,
      bufferingSeconds: 120,
      maxBytesScannedPerQuery: 100 * GB,
      queryResultRetentionDays: 7,
    },
    guardrails: { ...guardrails, minSampleSize: 2000 },
    // One-minute datapoints where traffic fills them, 3 of 5 (docs/alarms.md gives each alarm's
    // period and time to alarm at the expected traffic).
    alarms: {
      ...alarms,
      periodMinutes: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      productionP99LatencyMs: 400,
      maxApiServerErrorRate: 0.01,
      maxShadowDispatchFailureRate: 0.01,
      // The tail beyond the 100 ms budget is SQS's normal; a tenth of all sends is trouble.
      maxShadowDispatchLateRate: 0.1,
    },
    // The seeds' flow: a day or more in shadow, then 1%, 10%, 50% with hours of bake time each.
    rollout: {
      plan: {
        steps: [
          { canaryPercent: 0, sampleRate: 0.5, minDuration: '24h', maxDuration: '72h', minSamples: 2000 },
          { canaryPercent: 1, minDuration: '4h', maxDuration: '24h', minSamples: 500 },
          { canaryPercent: 10, minDuration: '4h', maxDuration: '24h' },
          { canaryPercent: 50, minDuration: '2h', maxDuration: '12h' },
        ],
        promote: true,
      },
      breaker,
    },
    // Give subscribers with -c alarmEmails=… (or alarmHttpsEndpoints) or here: prod refuses to
    // synthesize alarms that reach nobody.
    alarmEmails: [],
    requireAlarmSubscriber: true,
    pointInTimeRecovery: true,
    retainData: true,
    // Control Tower's CT.CLOUDWATCH.PR.2 asks for a year; audits of who called what ask for it too.
    logRetentionDays: 365,
  },
};

/** Log retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * The production call and the shadow dispatch must fit in this, leaving the router time to
 * answer before API Gateway's 29 s integration timeout cuts the caller off.
 */
export const ROUTER_REQUEST_BUDGET_MS = 27_000;

/** Room the input schema may take of the router's 4 KB of environment variables. */
export const MAX_INPUT_SCHEMA_CHARS = 2048;

/** The input schema in full (the router's cold start checks only what its checker needs). */
function inputSchemaProblems(schema: StageConfig['router']['inputSchema'], path: string): string[] {
  if (schema === undefined) return [];
  return [
    ...schemaProblems(schema, path),
    // It travels in the router's environment, whose variables Lambda caps at 4 KB in all.
    ...(JSON.stringify(schema).length <= MAX_INPUT_SCHEMA_CHARS
      ? []
      : [
          `${path} must be at most ${MAX_INPUT_SCHEMA_CHARS} characters as JSON (Lambda's 4 KB environment limit)`,
        ]),
  ];
}

export class StageConfigError extends UserError {
  override readonly name = 'StageConfigError';
}

/** Resolves `-c stage=NAME`; a missing or unknown stage is an error, never a silent default. */
export function resolveStage(name: unknown): Stage {
  if (typeof name !== 'string' || name === '') {
    throw new StageConfigError(`Missing stage: pass -c stage=<${STAGES.join('|')}>`);
  }
  if (!(STAGES as readonly string[]).includes(name)) {
    throw new StageConfigError(`Unknown stage "${name}": expected one of ${STAGES.join(', ')}`);
  }
  return name as Stage;
}

/**
 * Checks a stage config and reports every problem at once, so a bad config fails synth with
 * the whole list rather than one error per attempt.
 */
export function validateStageConfig(config: StageConfig): void {
  const problems: string[] = [];
  const endpointName = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  check(
    endpointName.test(config.productionEndpoint),
    `productionEndpoint "${config.productionEndpoint}" is not a valid SageMaker endpoint name`,
  );
  // Endpoint ARNs are lower-cased, so names differing only in case are the same endpoint.
  const seen = new Set<string>();
  for (const name of config.candidateEndpoints) {
    check(endpointName.test(name), `candidate endpoint "${name}" is not a valid SageMaker endpoint name`);
    check(
      name.toLowerCase() !== config.productionEndpoint.toLowerCase(),
      `candidate endpoint "${name}" is also the production endpoint`,
    );
    check(!seen.has(name.toLowerCase()), `candidate endpoint "${name}" is listed twice`);
    seen.add(name.toLowerCase());
  }
  check(
    !config.shadow.enabled || config.candidateEndpoints.length > 0,
    'shadow.enabled needs at least one candidate endpoint',
  );
  // Settings the functions read: checked by the declarations they are read with at cold start.
  problems.push(
    ...settingProblems(Setting.shadowEnabled, config.shadow.enabled, 'shadow.enabled'),
    ...settingProblems(Setting.sampleRate, config.shadow.sampleRate, 'shadow.sampleRate'),
    ...settingProblems(Setting.canaryPercent, config.canaryPercent, 'canaryPercent'),
    ...settingProblems(Setting.comparator, config.shadow.comparator, 'shadow.comparator'),
    ...settingProblems(Setting.captureInput, config.shadow.captureInput, 'shadow.captureInput'),
    ...settingProblems(Setting.recordTtlDays, config.shadow.recordTtlDays, 'shadow.recordTtlDays'),
    ...settingProblems(
      Setting.noiseBaselineRate,
      config.shadow.noiseBaselineRate,
      'shadow.noiseBaselineRate',
    ),
    ...settingProblems(Setting.modelTimeoutMs, config.router.modelTimeoutMs, 'router.modelTimeoutMs'),
    ...settingProblems(Setting.modelMaxAttempts, config.router.modelMaxAttempts, 'router.modelMaxAttempts'),
    ...settingProblems(Setting.dispatchBudgetMs, config.router.dispatchBudgetMs, 'router.dispatchBudgetMs'),
    ...settingProblems(Setting.shadowDispatch, config.router.shadowDispatch, 'router.shadowDispatch'),
    ...settingProblems(Setting.maxPayloadBytes, config.router.maxPayloadBytes, 'router.maxPayloadBytes'),
    ...settingProblems(Setting.maxMessageBytes, config.router.maxMessageBytes, 'router.maxMessageBytes'),
    ...inputSchemaProblems(config.router.inputSchema, 'router.inputSchema'),
    ...settingProblems(
      Setting.candidateTimeoutMs,
      config.worker.candidateTimeoutMs,
      'worker.candidateTimeoutMs',
    ),
    ...settingProblems(
      Setting.candidateMaxAttempts,
      config.worker.candidateMaxAttempts,
      'worker.candidateMaxAttempts',
    ),
    ...settingProblems(Setting.guardrails, config.guardrails, 'guardrails'),
    ...settingProblems(Setting.rolloutBreaker, config.rollout.breaker, 'rollout.breaker'),
  );
  check(
    config.canaryPercent === 0 || config.candidateEndpoints.length > 0,
    'canaryPercent > 0 needs a candidate endpoint',
  );
  check(
    config.worker.maxConcurrency >= 2 && config.worker.maxConcurrency <= 1000,
    'worker.maxConcurrency must be in [2, 1000] (Lambda event source limit)',
  );
  check(config.worker.batchSize >= 1 && config.worker.batchSize <= 10, 'worker.batchSize must be in [1, 10]');
  check(
    config.worker.timeoutSeconds >= 1 && config.worker.timeoutSeconds <= 900,
    'worker.timeoutSeconds must be in [1, 900]',
  );
  check(
    config.worker.candidateTimeoutMs < config.worker.timeoutSeconds * 1000,
    'worker.candidateTimeoutMs must be shorter than the worker timeout',
  );
  check(
    config.router.modelTimeoutMs + config.router.dispatchBudgetMs <= ROUTER_REQUEST_BUDGET_MS,
    `router.modelTimeoutMs + router.dispatchBudgetMs must be at most ${ROUTER_REQUEST_BUDGET_MS} (headroom under API Gateway's 29 s limit)`,
  );
  check(
    config.queue.maxReceiveCount >= 1 && config.queue.maxReceiveCount <= 1000,
    'queue.maxReceiveCount must be in [1, 1000]',
  );
  check(
    config.worker.maxBatchingWindowSeconds >= 0 && config.worker.maxBatchingWindowSeconds <= 300,
    'worker.maxBatchingWindowSeconds must be in [0, 300]',
  );
  for (const [name, memoryMb] of [
    ['router', config.router.memoryMb],
    ['worker', config.worker.memoryMb],
  ] as const) {
    check(memoryMb >= 128 && memoryMb <= 10_240, `${name}.memoryMb must be in [128, 10240]`);
  }
  check(
    config.api.throttlingRateLimit > 0 && config.api.throttlingBurstLimit >= 1,
    'api.throttlingRateLimit must be > 0 and api.throttlingBurstLimit at least 1',
  );
  check(
    config.api.webAclArn === undefined ||
      /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/.+/.test(config.api.webAclArn),
    `api.webAclArn "${config.api.webAclArn}" is not a regional WAFv2 web ACL ARN`,
  );
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(config.logRetentionDays),
    `logRetentionDays ${config.logRetentionDays} is not a CloudWatch Logs retention period (${LOG_RETENTION_DAYS.join(', ')})`,
  );
  check(
    Number.isInteger(config.router.reservedConcurrency) &&
      config.router.reservedConcurrency >= 1 &&
      config.router.reservedConcurrency <= 10_000,
    'router.reservedConcurrency must be a whole number in [1, 10000]',
  );
  problems.push(...alarmSettingProblems(config.alarms));
  problems.push(...planProblems(config.rollout.plan).map((problem) => `rollout.plan: ${problem}`));
  problems.push(...subscriberProblems(config));
  problems.push(...trafficProblems(config));
  for (const [endpoint, variants] of Object.entries(config.endpointVariants ?? {})) {
    check(
      endpoint === config.productionEndpoint || config.candidateEndpoints.includes(endpoint),
      `endpointVariants names "${endpoint}", which is neither production nor a candidate`,
    );
    check(
      variants.length > 0 && variants.every((v) => endpointName.test(v)),
      `endpointVariants of "${endpoint}" must be one or more SageMaker variant names`,
    );
  }
  problems.push(...evidenceSettingProblems(config.evidence));
  if (problems.length > 0) {
    throw new StageConfigError(`Invalid config for stage "${config.stage}":\n  - ${problems.join('\n  - ')}`);
  }
}

/** CloudWatch limit: evaluationPeriods × period may span at most one day. */
const MAX_ALARM_EVALUATION_MINUTES = 24 * 60;

function alarmSettingProblems(a: AlarmSettings): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const isWhole = (n: number, min: number) => Number.isInteger(n) && n >= min;
  check(isWhole(a.periodMinutes, 1), 'alarms.periodMinutes must be a whole number of minutes, at least 1');
  check(isWhole(a.evaluationPeriods, 1), 'alarms.evaluationPeriods must be a whole number, at least 1');
  check(
    isWhole(a.datapointsToAlarm, 1) && a.datapointsToAlarm <= a.evaluationPeriods,
    'alarms.datapointsToAlarm must be in [1, alarms.evaluationPeriods]',
  );
  check(
    (ALARM_PERIODS_MINUTES as readonly number[]).includes(a.periodMinutes),
    `alarms.periodMinutes must be one of ${ALARM_PERIODS_MINUTES.join(', ')}`,
  );
  // A rate or percentile alarm's period may grow to an hour when traffic is low.
  check(
    60 * a.evaluationPeriods <= MAX_ALARM_EVALUATION_MINUTES,
    'alarms.evaluationPeriods must be at most 24 (an hour-long period × evaluationPeriods may span at most one day, the CloudWatch limit)',
  );
  check(a.productionP99LatencyMs > 0, 'alarms.productionP99LatencyMs must be > 0');
  for (const [name, rate] of [
    ['maxApiServerErrorRate', a.maxApiServerErrorRate],
    ['maxShadowDispatchFailureRate', a.maxShadowDispatchFailureRate],
    ['maxShadowDispatchLateRate', a.maxShadowDispatchLateRate],
  ] as const) {
    check(rate >= 0 && rate < 1, `alarms.${name} must be in [0, 1)`);
  }
  for (const [name, count] of [
    ['maxFunctionErrors', a.maxFunctionErrors],
    ['maxFunctionThrottles', a.maxFunctionThrottles],
    ['maxRuntimeConfigErrors', a.maxRuntimeConfigErrors],
  ] as const) {
    check(isWhole(count, 0), `alarms.${name} must be a whole number >= 0`);
  }
  return problems;
}

/** Athena's smallest per-query scan limit. */
export const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

function evidenceSettingProblems(e: EvidenceSettings): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  check(
    Number.isInteger(e.retentionDays) && e.retentionDays >= 1 && e.retentionDays <= 3650,
    'evidence.retentionDays must be a whole number in [1, 3650]',
  );
  check(
    e.encryption === 'kms' || e.encryption === 's3-managed',
    'evidence.encryption must be kms or s3-managed',
  );
  check(e.encryptionReason.trim().length >= 20, 'evidence.encryptionReason must say why (20+ characters)');
  check(
    Number.isInteger(e.bufferingSeconds) && e.bufferingSeconds >= 60 && e.bufferingSeconds <= 900,
    'evidence.bufferingSeconds must be a whole number in [60, 900] (Firehose with dynamic partitioning)',
  );
  check(
    Number.isInteger(e.maxBytesScannedPerQuery) && e.maxBytesScannedPerQuery >= MIN_BYTES_SCANNED_CUTOFF,
    `evidence.maxBytesScannedPerQuery must be a whole number of bytes, at least ${MIN_BYTES_SCANNED_CUTOFF} (Athena minimum)`,
  );
  check(
    Number.isInteger(e.queryResultRetentionDays) &&
      e.queryResultRetentionDays >= 1 &&
      e.queryResultRetentionDays <= e.retentionDays,
    'evidence.queryResultRetentionDays must be a whole number in [1, evidence.retentionDays]',
  );
  return problems;
}

function subscriberProblems(config: StageConfig): string[] {
  const problems: string[] = [];
  for (const email of config.alarmEmails) {
    if (!/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(email))
      problems.push(`alarm email "${email}" is not an email address`);
  }
  const https = config.alarmHttpsEndpoints ?? [];
  for (const url of https) {
    if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(url))
      problems.push(`alarm HTTPS endpoint "${url}" is not an https:// URL`);
  }
  if (config.requireAlarmSubscriber && config.alarmEmails.length + https.length === 0) {
    problems.push(
      `stage ${config.stage} needs at least one alarm subscriber, or its alarms reach nobody: deploy with -c alarmEmails=a@example.com,b@example.com (or -c alarmHttpsEndpoints=https://…), or set alarmEmails in lib/config/stages.ts`,
    );
  }
  return problems;
}

/** Expected traffic in range, and enough of it for every alarm to evaluate (alarm-sizing.ts). */
function trafficProblems(config: StageConfig): string[] {
  const t = config.expectedTraffic;
  const problems: string[] = [];
  if (!(t.requestsPerMinute > 0)) problems.push('expectedTraffic.requestsPerMinute must be > 0');
  if (!(t.smallestCanaryPercent > 0 && t.smallestCanaryPercent <= 100))
    problems.push('expectedTraffic.smallestCanaryPercent must be in (0, 100]');
  if (!(t.outcomeShare > 0 && t.outcomeShare <= 1))
    problems.push('expectedTraffic.outcomeShare must be in (0, 1]');
  if (problems.length > 0 || config.shadow.sampleRate === 0) return problems;
  const sizes = sizeAlarms(config);
  for (const name of SIZED_ALARMS) {
    const s = sizes[name];
    if (s.evaluates) continue;
    problems.push(
      `alarm ${name} needs ${s.minSamples} samples (${s.sample}) per ${s.periodMinutes}-minute datapoint, ${Math.ceil(s.requiredRequestsPerMinute)} requests per minute; expectedTraffic.requestsPerMinute is ${t.requestsPerMinute}, so it would never evaluate (raise the sample rate or the smallest canary share, or lower the alarm's threshold strictness)`,
    );
  }
  return problems;
}

/** Time the router needs beyond the model call and the dispatch: parsing, hashing, answering. */
const ROUTER_OVERHEAD_SECONDS = 1;

/**
 * Lambda timeout of the router, in whole seconds: its request budget (model call, dispatch
 * budget) plus, in after-response mode, the time a send may take after the answer, plus 1 s.
 * API Gateway gives up at 29 s whatever this is.
 */
export function routerTimeoutSeconds(limits: StageConfig['router']): number {
  const afterResponse = limits.shadowDispatch === 'after-response' ? AFTER_RESPONSE_DISPATCH_BUDGET_MS : 0;
  return (
    Math.ceil((limits.modelTimeoutMs + limits.dispatchBudgetMs + afterResponse) / 1000) +
    ROUTER_OVERHEAD_SECONDS
  );
}

/** AWS's guidance for Lambda consumers of a queue: visibility at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * Visibility timeout of the shadow queue (s): a sample must not become visible again while a
 * worker that received it may still be working on it, or it would be compared twice. The
 * batching window is added, since a sample waits in the event source's batch before that.
 */
export function shadowVisibilityTimeoutSeconds(worker: {
  readonly timeoutSeconds: number;
  readonly maxBatchingWindowSeconds: number;
}): number {
  return VISIBILITY_TIMEOUT_FACTOR * worker.timeoutSeconds + worker.maxBatchingWindowSeconds;
}
