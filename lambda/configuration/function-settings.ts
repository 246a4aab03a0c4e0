import type { UserKeySaltSource } from '../adapters/user-key-salt';
import { comparatorConfigProblems } from '../core/comparators';
import type { ComparatorConfig } from '../core/comparators/types';
import { type Guardrails, guardrailProblems } from '../core/guardrails';
import { type InputContract, type InputSchema, inputContract } from '../core/input-contract';
import type { BreakerLimits } from '../core/rollout/breaker';
import type { RoutingKnobs } from '../core/runtime-config';
import { SHADOW_DISPATCH_MODES, type ShadowDispatch } from '../core/shadow-dispatch';
import {
  type ChoiceSetting,
  type Env,
  type FlagSetting,
  InvalidEnvironmentError,
  type JsonSetting,
  type ListSetting,
  MissingEnvironmentError,
  type NumberSetting,
  readSetting,
  readSettings,
  type SettingValues,
  type TextSetting,
} from './setting';

/*
 * Every setting each function reads at cold start, declared once: name, type, range, default.
 * lib/config/function-environments.ts writes them from a stage's config and resources (the
 * stack, local mode); lib/config/stages.ts checks a stage's values with the same declarations.
 * Declarations are data: a bundle keeps only those its function reads.
 */

// --- Deploy-time routing: what the stack set, before any runtime override -------------------

export const productionEndpoint = {
  kind: 'text',
  env: 'PRODUCTION_ENDPOINT',
} as const satisfies TextSetting;
export const candidateEndpoints = {
  kind: 'list',
  env: 'CANDIDATE_ENDPOINTS',
} as const satisfies ListSetting;
export const shadowEnabled = {
  kind: 'flag',
  env: 'SHADOW_ENABLED',
  default: true,
} as const satisfies FlagSetting;
/** Share (0..1) of production-served requests replayed in shadow. */
export const sampleRate = {
  kind: 'number',
  env: 'SHADOW_SAMPLE_RATE',
  min: 0,
  max: 1,
  default: 0,
} as const satisfies NumberSetting;
/** Share (0..100) of users the first candidate serves as the canary. */
export const canaryPercent = {
  kind: 'number',
  env: 'CANARY_PERCENT',
  min: 0,
  max: 100,
  default: 0,
} as const satisfies NumberSetting;

/** The routing every function that reads or changes the runtime config starts from. */
export const DeployTimeRouting = {
  productionEndpoint,
  candidateEndpoints,
  shadowEnabled,
  sampleRate,
  canaryPercent,
} as const;

// --- Tables and queues ----------------------------------------------------------------------

export const comparisonTable = { kind: 'text', env: 'TABLE_NAME' } as const satisfies TextSetting;
export const runtimeConfigTable = {
  kind: 'text',
  env: 'RUNTIME_CONFIG_TABLE',
} as const satisfies TextSetting;
/**
 * How long the router serves a cached runtime config before refreshing it in the background: the
 * longest a promote, rollback or kill switch takes to reach every warm router.
 */
export const runtimeConfigMaxAgeSeconds = {
  kind: 'number',
  env: 'RUNTIME_CONFIG_MAX_AGE_SECONDS',
  min: 0,
  max: 300,
  default: 5,
} as const satisfies NumberSetting;
export const shadowQueueUrl = { kind: 'text', env: 'SHADOW_QUEUE_URL' } as const satisfies TextSetting;

// --- Router ---------------------------------------------------------------------------------

/** Whole budget for the served model call, retries included; API Gateway gives up at 29 s. */
export const modelTimeoutMs = {
  kind: 'number',
  env: 'MODEL_TIMEOUT_MS',
  min: 100,
  max: 28_000,
  integer: true,
  default: 3000,
} as const satisfies NumberSetting;
export const modelMaxAttempts = {
  kind: 'number',
  env: 'MODEL_MAX_ATTEMPTS',
  min: 1,
  max: 5,
  integer: true,
  default: 2,
} as const satisfies NumberSetting;
/** Most time a caller may wait for the shadow send (`before-response`). */
export const dispatchBudgetMs = {
  kind: 'number',
  env: 'DISPATCH_BUDGET_MS',
  min: 1,
  max: 1000,
  integer: true,
  default: 50,
} as const satisfies NumberSetting;
export const shadowDispatch: ChoiceSetting<ShadowDispatch> = {
  kind: 'choice',
  env: 'SHADOW_DISPATCH',
  choices: SHADOW_DISPATCH_MODES,
  default: 'before-response',
};
/** Largest request body accepted; larger is a 413. Lambda's payload limit is 6 MB. */
export const maxPayloadBytes = {
  kind: 'number',
  env: 'MAX_PAYLOAD_BYTES',
  min: 1,
  max: 6_000_000,
  integer: true,
  default: 5_000_000,
} as const satisfies NumberSetting;
/** Largest shadow message sent (SQS takes up to 1 MiB); larger requests are skipped with a counted reason. */
export const maxMessageBytes = {
  kind: 'number',
  env: 'MAX_MESSAGE_BYTES',
  min: 1024,
  max: 1_048_576,
  integer: true,
  default: 262_144,
} as const satisfies NumberSetting;
/**
 * The stage's input contract (a JSON Schema in the supported subset); none when unset. Checked in
 * full at synth (lib/config/stages.ts); at cold start the checker built from it still refuses a
 * keyword it would not check.
 */
export const inputSchema: JsonSetting<InputSchema> & { readonly optional: true } = {
  kind: 'json',
  env: 'INPUT_SCHEMA',
  optional: true,
  problems: (value, path) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? []
      : [`${path} must be a JSON Schema object`],
};
/** The salt of user-key hashes as a secret's ARN (deployed stacks)… */
export const userKeySaltSecretArn = {
  kind: 'text',
  env: 'USER_KEY_SALT_SECRET_ARN',
  optional: true,
} as const satisfies TextSetting;
/** …or as a value (local mode, tests). */
export const userKeySaltValue = {
  kind: 'text',
  env: 'USER_KEY_SALT',
  optional: true,
} as const satisfies TextSetting;
export const optionalRuntimeConfigTable = {
  kind: 'text',
  env: 'RUNTIME_CONFIG_TABLE',
  optional: true,
} as const satisfies TextSetting;

export const Router = {
  // Listed, not spread: a spread would keep every group in every bundle.
  productionEndpoint,
  candidateEndpoints,
  shadowEnabled,
  sampleRate,
  canaryPercent,
  shadowQueueUrl,
  userKeySaltSecretArn,
  userKeySaltValue,
  runtimeConfigTable: optionalRuntimeConfigTable,
  runtimeConfigMaxAgeSeconds,
  modelTimeoutMs,
  modelMaxAttempts,
  dispatchBudgetMs,
  shadowDispatch,
  maxPayloadBytes,
  maxMessageBytes,
  inputSchema,
} as const;

// --- Worker and outcomes --------------------------------------------------------------------

/** How candidate and production answers are compared; `exact` when unset. */
export const comparator: JsonSetting<ComparatorConfig> = {
  kind: 'json',
  env: 'COMPARATOR',
  default: { type: 'exact' },
  problems: (value, path) => comparatorConfigProblems(value).map((problem) => `${path}: ${problem}`),
};
export const captureInput = {
  kind: 'flag',
  env: 'CAPTURE_INPUT',
  default: false,
} as const satisfies FlagSetting;
/** Days a record is kept; outcomes posted before their comparison get the same lifetime. */
export const recordTtlDays = {
  kind: 'number',
  env: 'RECORD_TTL_DAYS',
  min: 1,
  max: 3650,
  integer: true,
  default: 30,
} as const satisfies NumberSetting;
export const candidateTimeoutMs = {
  kind: 'number',
  env: 'CANDIDATE_TIMEOUT_MS',
  min: 10,
  max: 60_000,
  integer: true,
  default: 5000,
} as const satisfies NumberSetting;
export const candidateMaxAttempts = {
  kind: 'number',
  env: 'CANDIDATE_MAX_ATTEMPTS',
  min: 1,
  max: 5,
  integer: true,
  default: 2,
} as const satisfies NumberSetting;
/** Largest request or response body kept in a comparison record; keeps items far below 400 KB. */
export const maxStoredBodyBytes = {
  kind: 'number',
  env: 'MAX_STORED_BODY_BYTES',
  min: 256,
  max: 100_000,
  integer: true,
  default: 16_384,
} as const satisfies NumberSetting;
/** Share (0..1) of samples also replayed against production, to measure its own disagreement. */
export const noiseBaselineRate = {
  kind: 'number',
  env: 'NOISE_BASELINE_RATE',
  min: 0,
  max: 1,
  default: 0,
} as const satisfies NumberSetting;

export const Worker = {
  comparisonTable,
  comparator,
  captureInput,
  recordTtlDays,
  candidateTimeoutMs,
  candidateMaxAttempts,
  maxStoredBodyBytes,
  noiseBaselineRate,
} as const;

export const OutcomeRecorder = { comparisonTable, recordTtlDays, comparator } as const;

export const ComparisonReader = { comparisonTable } as const;

// --- Report, rollback, rollout controller ---------------------------------------------------

/** The verdict's thresholds (the alarms use the same). */
export const guardrails: JsonSetting<Guardrails> = {
  kind: 'json',
  env: 'GUARDRAILS',
  problems: (value) => guardrailProblems(value),
};

/** The shadow circuit breaker (lib/config's `rollout.breaker`). */
export interface ShadowBreakerSettings {
  /** Candidate error rate (0..1) over `windowMinutes` above which the sample rate is lowered. */
  readonly maxCandidateErrorRate: number;
  /** Age (s) of the oldest shadow message above which the sample rate is lowered. */
  readonly maxBacklogAgeSeconds: number;
  /** Fewest candidate calls in the window before their error rate counts. */
  readonly minCandidateCalls: number;
  /** The open breaker multiplies the sample rate by this (0..1). */
  readonly reducedSampleRateFactor: number;
  /** Window (minutes) the candidate error rate and backlog age are measured over. */
  readonly windowMinutes: number;
  /** Least time (minutes) the breaker stays open, so it does not flap. */
  readonly minOpenMinutes: number;
}

function breakerProblems(value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path} must be an object`];
  const b = value as Record<string, unknown>;
  const keys = [
    'maxCandidateErrorRate',
    'maxBacklogAgeSeconds',
    'minCandidateCalls',
    'reducedSampleRateFactor',
    'windowMinutes',
    'minOpenMinutes',
  ] as const;
  const missing = keys.filter((key) => typeof b[key] !== 'number' || !Number.isFinite(b[key]));
  if (missing.length > 0) return [`${path} needs numbers for: ${missing.join(', ')}`];
  const n = b as unknown as ShadowBreakerSettings;
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(`${path}.${message}`);
  };
  check(
    n.maxCandidateErrorRate > 0 && n.maxCandidateErrorRate <= 1,
    'maxCandidateErrorRate must be in (0, 1]',
  );
  check(n.maxBacklogAgeSeconds >= 60, 'maxBacklogAgeSeconds must be at least 60');
  check(
    Number.isInteger(n.minCandidateCalls) && n.minCandidateCalls >= 1,
    'minCandidateCalls must be a whole number >= 1',
  );
  check(
    n.reducedSampleRateFactor >= 0 && n.reducedSampleRateFactor < 1,
    'reducedSampleRateFactor must be in [0, 1)',
  );
  check(
    Number.isInteger(n.windowMinutes) && n.windowMinutes >= 1 && n.windowMinutes <= 60,
    'windowMinutes must be a whole number of minutes in [1, 60]',
  );
  check(n.minOpenMinutes >= 0, 'minOpenMinutes must be >= 0');
  return problems;
}

export const rolloutBreaker: JsonSetting<ShadowBreakerSettings> = {
  kind: 'json',
  env: 'ROLLOUT_BREAKER',
  problems: breakerProblems,
};

export const RolloutReport = {
  productionEndpoint,
  candidateEndpoints,
  shadowEnabled,
  sampleRate,
  canaryPercent,
  runtimeConfigTable: optionalRuntimeConfigTable,
  guardrails,
} as const;

export const AutomaticRollback = {
  productionEndpoint,
  candidateEndpoints,
  shadowEnabled,
  sampleRate,
  canaryPercent,
  runtimeConfigTable,
} as const;

/** The queue whose backlog age the breaker watches (CloudWatch's QueueName dimension). */
export const shadowQueueName = { kind: 'text', env: 'SHADOW_QUEUE_NAME' } as const satisfies TextSetting;
/** The topic the controller announces transitions on. */
export const alarmTopicArn = { kind: 'text', env: 'ALARM_TOPIC_ARN' } as const satisfies TextSetting;
/** The canary guardrail alarms the controller rolls back on. */
export const guardrailAlarmNames = {
  kind: 'list',
  env: 'GUARDRAIL_ALARM_NAMES',
} as const satisfies ListSetting;

export const RolloutController = {
  productionEndpoint,
  candidateEndpoints,
  shadowEnabled,
  sampleRate,
  canaryPercent,
  runtimeConfigTable,
  guardrails,
  rolloutBreaker,
  shadowQueueName,
} as const;

/** The function's service name, set on every function: the `service` dimension of its metrics. */
export const serviceName = { kind: 'text', env: 'POWERTOOLS_SERVICE_NAME' } as const satisfies TextSetting;

/** What the controller watches and tells, set once the stage's monitoring exists (RolloutController.watch). */
export const RolloutAlarms = { alarmTopicArn, guardrailAlarmNames } as const;

// --- Evidence log and its analysis (set by the construct that owns each resource) -----------

/** Local mode and tests: the folder of the JSON-lines evidence log. */
export const evidenceLogDir = {
  kind: 'text',
  env: 'EVIDENCE_LOG_DIR',
  optional: true,
} as const satisfies TextSetting;
/**
 * Local mode and tests: the most memory (MB) the embedded analysis engine (DuckDB) may hold before
 * it spills to disk; a report that needs more is refused with 503 and this remedy.
 */
export const evidenceMemoryMb = {
  kind: 'number',
  env: 'EVIDENCE_MEMORY_MB',
  min: 64,
  max: 1_048_576,
  default: 256,
  integer: true,
} as const satisfies NumberSetting;
/** AWS: the Firehose delivery stream a function appends its evidence lines to. */
export const evidenceStreamName = {
  kind: 'text',
  env: 'EVIDENCE_STREAM_NAME',
  optional: true,
} as const satisfies TextSetting;
/** AWS: the Athena workgroup and Glue database the evidence is queried in. */
export const analysisWorkGroup = {
  kind: 'text',
  env: 'ANALYSIS_WORKGROUP',
  optional: true,
} as const satisfies TextSetting;
export const analysisDatabase = {
  kind: 'text',
  env: 'ANALYSIS_DATABASE',
  optional: true,
} as const satisfies TextSetting;
/**
 * AWS: the table the last completed analysis of each report request is kept in (the comparison
 * table, under `analysis#` keys), so a cold report function past its deadline can answer it.
 */
export const analysisCacheTable = {
  kind: 'text',
  env: 'ANALYSIS_CACHE_TABLE',
  optional: true,
} as const satisfies TextSetting;

// --- What each handler gets at cold start ---------------------------------------------------

/**
 * Endpoints runtime config may point the router at: the deploy-time ones, which are exactly those
 * its IAM policy lets it invoke (lib/constructs/prediction-router.ts grants these), so a `set`,
 * `promote` or `rollback` can never end in AccessDenied.
 */
export function allowedEndpoints(
  routing: Pick<RoutingKnobs, 'productionEndpoint' | 'candidateEndpoints'>,
): string[] {
  return [routing.productionEndpoint, ...routing.candidateEndpoints];
}

/** Deploy-time routing values, as the stack set them. */
export function deployTimeRouting(env: Env): RoutingKnobs {
  return readSettings(DeployTimeRouting, env);
}

/**
 * The router's settings: the deploy-time routing itself (its knobs are the routing the runtime
 * config overrides), its limits and resources, the salt's source and the input contract.
 */
export type RouterSettings = SettingValues<typeof Router> & {
  readonly userKeySaltSource: UserKeySaltSource;
  /** The stage's input contract, checked before any model is called; none when not declared. */
  readonly inputContract: InputContract | undefined;
};

/** The salt of user-key hashes: a secret's ARN (deployed stacks) or, failing that, a value. */
export function userKeySaltSource(env: Env): UserKeySaltSource {
  const secretArn = readSetting(userKeySaltSecretArn, env);
  if (secretArn !== undefined) return { secretArn };
  const value = readSetting(userKeySaltValue, env);
  if (value !== undefined) return { value };
  throw new MissingEnvironmentError(
    `${userKeySaltSecretArn.env} or ${userKeySaltValue.env} environment variable is not set`,
  );
}

export function routerSettings(env: Env): RouterSettings {
  const s = readSettings(Router, env);
  let contract: InputContract | undefined;
  try {
    contract = s.inputSchema === undefined ? undefined : inputContract(s.inputSchema);
  } catch (error) {
    throw new InvalidEnvironmentError(`${inputSchema.env}: ${(error as Error).message}`);
  }
  return { ...s, userKeySaltSource: userKeySaltSource(env), inputContract: contract };
}

export interface WorkerSettings {
  readonly tableName: string;
  readonly comparator: ComparatorConfig;
  readonly compare: {
    readonly captureInput: boolean;
    readonly maxStoredBodyBytes: number;
    readonly recordTtlDays: number;
    readonly noiseBaselineRate: number;
    readonly candidateTimeoutMs: number;
  };
  readonly candidateTimeoutMs: number;
  readonly candidateMaxAttempts: number;
}

export function workerSettings(env: Env): WorkerSettings {
  const s = readSettings(Worker, env);
  return {
    tableName: s.comparisonTable,
    comparator: s.comparator,
    compare: {
      captureInput: s.captureInput,
      maxStoredBodyBytes: s.maxStoredBodyBytes,
      recordTtlDays: s.recordTtlDays,
      noiseBaselineRate: s.noiseBaselineRate,
      candidateTimeoutMs: s.candidateTimeoutMs,
    },
    candidateTimeoutMs: s.candidateTimeoutMs,
    candidateMaxAttempts: s.candidateMaxAttempts,
  };
}

export function outcomeRecorderSettings(env: Env) {
  return readSettings(OutcomeRecorder, env);
}

export function comparisonReaderSettings(env: Env) {
  return readSettings(ComparisonReader, env);
}

export function rolloutReportSettings(env: Env) {
  const s = readSettings(RolloutReport, env);
  return {
    deployTime: pickRouting(s),
    runtimeConfigTable: s.runtimeConfigTable,
    guardrails: s.guardrails,
  };
}

export function rollbackSettings(env: Env) {
  const s = readSettings(AutomaticRollback, env);
  const deployTime = pickRouting(s);
  return {
    deployTime,
    allowedEndpoints: allowedEndpoints(deployTime),
    runtimeConfigTable: s.runtimeConfigTable,
  };
}

export function rolloutControllerSettings(env: Env) {
  const s = readSettings({ ...RolloutController, ...RolloutAlarms, serviceName }, env);
  const deployTime = pickRouting(s);
  return {
    deployTime,
    allowedEndpoints: allowedEndpoints(deployTime),
    runtimeConfigTable: s.runtimeConfigTable,
    guardrails: s.guardrails,
    breaker: breakerLimits(s.rolloutBreaker),
    breakerWindowMinutes: s.rolloutBreaker.windowMinutes,
    shadowQueueName: s.shadowQueueName,
    alarmTopicArn: s.alarmTopicArn,
    guardrailAlarmNames: s.guardrailAlarmNames,
    serviceName: s.serviceName,
  };
}

/** The breaker as the controller's core takes it. */
export function breakerLimits(settings: ShadowBreakerSettings): BreakerLimits {
  return {
    maxCandidateErrorRate: settings.maxCandidateErrorRate,
    maxBacklogAgeSeconds: settings.maxBacklogAgeSeconds,
    minCandidateCalls: settings.minCandidateCalls,
    reducedSampleRateFactor: settings.reducedSampleRateFactor,
    minOpenMs: settings.minOpenMinutes * 60_000,
  };
}

function pickRouting(s: RoutingKnobs): RoutingKnobs {
  return {
    productionEndpoint: s.productionEndpoint,
    candidateEndpoints: s.candidateEndpoints,
    shadowEnabled: s.shadowEnabled,
    sampleRate: s.sampleRate,
    canaryPercent: s.canaryPercent,
  };
}
