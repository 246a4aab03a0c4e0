import { EnvName } from '../lambda/configuration/env-names';
import { METRICS_NAMESPACE } from '../lambda/core/metric-names';
import {
  automaticRollbackEnvironment,
  comparisonReaderEnvironment,
  deployTimeRouting,
  outcomeRecorderEnvironment,
  rolloutReportEnvironment,
  routerEnvironment,
  workerEnvironment,
} from '../lib/config/function-environments';
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
  /** Memory cap (MB) of the analysis engine; absent: the setting's default. */
  readonly analysisMemoryMb?: number;
}

/**
 * The environment the handlers see in local mode: each function's variables as the stack sets
 * them (lib/config/function-environments.ts, from the dev stage with local overrides), in one
 * process, plus the SDK's standard service-specific endpoint variables, which is how the
 * unchanged handlers reach the emulators. Local differences: the salt is a value (no Secrets
 * Manager), the evidence log is files (no Firehose, no Athena), and the rollout controller runs
 * in-process (local/rollout/) rather than as a function.
 */
export function localEnvironment(input: LocalEnvInput): Record<string, string> {
  const { stage, models } = input;
  const routing = deployTimeRouting({
    ...stage,
    productionEndpoint: models.production,
    candidateEndpoints: models.candidates,
    shadow: { ...stage.shadow, sampleRate: input.sampleRate },
  });
  const shadow = { ...stage.shadow, comparator: models.comparator ?? stage.shadow.comparator };
  const inputSchema = models.inputSchema ?? stage.router.inputSchema;
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
    ...routerEnvironment({
      routing,
      limits: {
        ...stage.router,
        dispatchBudgetMs: input.dispatchBudgetMs,
        ...(inputSchema === undefined ? {} : { inputSchema }),
      },
      shadowQueueUrl: input.shadowQueueUrl,
      runtimeConfigTable: input.runtimeConfigTableName,
      userKeySalt: { value: 'shadow-rollout-local' },
    }),
    ...workerEnvironment({ comparisonTable: input.tableName, shadow, limits: stage.worker }),
    ...outcomeRecorderEnvironment({ comparisonTable: input.tableName, shadow }),
    ...comparisonReaderEnvironment({ comparisonTable: input.tableName }),
    ...rolloutReportEnvironment({
      routing,
      runtimeConfigTable: input.runtimeConfigTableName,
      guardrails: stage.guardrails,
    }),
    ...automaticRollbackEnvironment({ routing, runtimeConfigTable: input.runtimeConfigTableName }),
    [EnvName.evidenceLogDir]: input.evidenceLogDir,
    ...(input.analysisMemoryMb === undefined
      ? {}
      : { [EnvName.evidenceMemoryMb]: String(input.analysisMemoryMb) }),
  };
}

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
