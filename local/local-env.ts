import { METRICS_NAMESPACE } from '../lambda/core/metric-names';
import { EnvName } from '../lambda/shared/env';
import type { StageConfig } from '../lib/config/stage-config';
import { LOCAL_CREDENTIALS } from './local-aws';
import type { ModelsFile } from './model-server/models-file';

export interface LocalEnvInput {
  /** Deploy-time config local mode starts from (the dev stage). */
  readonly stage: StageConfig;
  readonly models: ModelsFile;
  readonly region: string;
  readonly tableName: string;
  readonly runtimeConfigTableName: string;
  readonly shadowQueueUrl: string;
  /** Share of requests replayed in shadow; local mode samples everything by default. */
  readonly sampleRate: number;
  /** Most time the router waits for the shadow dispatch. */
  readonly dispatchBudgetMs: number;
  readonly endpoints: { readonly sageMakerRuntime: string; readonly sqs: string; readonly dynamodb: string };
  /** Folder of the evidence log (JSON lines, read by DuckDB). */
  readonly evidenceLogDir: string;
}

/** The stack's default cap on a body stored in a comparison record (lib/constructs/shadow-worker.ts). */
export const LOCAL_MAX_STORED_BODY_BYTES = 16 * 1024;

/** How long the router caches the runtime config, as the stack's default (lib/constructs/prediction-router.ts). */
export const LOCAL_RUNTIME_CONFIG_MAX_AGE_SECONDS = 5;

/**
 * The environment the handlers see in local mode: the same variables the stack sets (from the
 * dev stage, with local overrides), plus the SDK's standard service-specific endpoint variables,
 * which is how the unchanged handlers reach the emulators.
 */
export function localEnvironment(input: LocalEnvInput): Record<string, string> {
  const { stage, models } = input;
  return {
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: input.endpoints.sageMakerRuntime,
    AWS_ENDPOINT_URL_SQS: input.endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: input.endpoints.dynamodb,
    // Never reach for instance metadata when looking for credentials or region.
    AWS_EC2_METADATA_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'shadow-rollout-local',
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    [EnvName.productionEndpoint]: models.production,
    [EnvName.candidateEndpoints]: models.candidates.join(','),
    [EnvName.shadowQueueUrl]: input.shadowQueueUrl,
    [EnvName.shadowEnabled]: String(stage.shadow.enabled),
    [EnvName.shadowSampleRate]: String(input.sampleRate),
    [EnvName.canaryPercent]: String(stage.canaryPercent),
    [EnvName.userKeySalt]: 'shadow-rollout-local',
    [EnvName.modelTimeoutMs]: String(stage.router.modelTimeoutMs),
    [EnvName.modelMaxAttempts]: String(stage.router.modelMaxAttempts),
    [EnvName.dispatchBudgetMs]: String(input.dispatchBudgetMs),
    [EnvName.shadowDispatch]: stage.router.shadowDispatch,
    [EnvName.maxPayloadBytes]: String(stage.router.maxPayloadBytes),
    [EnvName.maxMessageBytes]: String(stage.router.maxMessageBytes),
    [EnvName.tableName]: input.tableName,
    [EnvName.comparator]: JSON.stringify(models.comparator ?? stage.shadow.comparator),
    [EnvName.captureInput]: String(stage.shadow.captureInput),
    [EnvName.recordTtlDays]: String(stage.shadow.recordTtlDays),
    [EnvName.candidateTimeoutMs]: String(stage.worker.candidateTimeoutMs),
    [EnvName.candidateMaxAttempts]: String(stage.worker.candidateMaxAttempts),
    [EnvName.maxStoredBodyBytes]: String(LOCAL_MAX_STORED_BODY_BYTES),
    [EnvName.guardrails]: JSON.stringify(stage.guardrails),
    [EnvName.noiseBaselineRate]: String(stage.shadow.noiseBaselineRate),
    [EnvName.inputSchema]: inputSchemaJson(models.inputSchema ?? stage.router.inputSchema),
    [EnvName.runtimeConfigTable]: input.runtimeConfigTableName,
    [EnvName.runtimeConfigMaxAgeSeconds]: String(LOCAL_RUNTIME_CONFIG_MAX_AGE_SECONDS),
    [EnvName.evidenceLogDir]: input.evidenceLogDir,
  };
}

function inputSchemaJson(schema: unknown): string {
  return schema === undefined ? '' : JSON.stringify(schema);
}

/**
 * Variables local mode leaves unset, and why. Every name in EnvName is either set above or
 * listed here (a test checks), so a new variable cannot be forgotten silently.
 */
export const UNSET_IN_LOCAL_MODE: Readonly<Partial<Record<keyof typeof EnvName, string>>> = {
  userKeySaltSecretArn:
    'no Secrets Manager locally: the salt is passed as USER_KEY_SALT (a value, not a secret)',
  alarmTopicArn: 'the local rollout controller notifies on the terminal, not through SNS (local/rollout/)',
  rolloutBreaker:
    'the local rollout controller takes the dev stage breaker settings directly (local/rollout/)',
  shadowQueueName: 'the local rollout controller reads the backlog age from the local queue, not CloudWatch',
  guardrailAlarmNames:
    'no CloudWatch alarms locally: `shadow-rollout alarm NAME` invokes the rollback function',
  evidenceStreamName: 'no Firehose locally: the evidence log is JSON-lines files (EVIDENCE_LOG_DIR)',
  analysisWorkGroup: 'no Athena locally: DuckDB reads the evidence log files',
  analysisDatabase: 'no Glue locally: DuckDB reads the evidence log files',
};

/** Variables from the user's shell that would send the SDK somewhere other than the emulators. */
export const CONFLICTING_AWS_VARIABLES = [
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
] as const;
