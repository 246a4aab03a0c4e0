import type { UserKeySaltSource } from '../../lambda/adapters/user-key-salt';
import * as Settings from '../../lambda/configuration/function-settings';
import { environmentOf } from '../../lambda/configuration/setting';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import type { StageConfig } from './stage-config';

/**
 * A stage's config and resources, mapped to each function's environment: the one place that
 * decides which variable a function gets and what it holds. The constructs call it with their
 * resources' tokens, local mode with the emulators' names. What each variable may hold is
 * declared in lambda/configuration/function-settings.ts, which the functions read it back with;
 * `environmentOf` takes every setting of a function's group, so a new setting cannot be left
 * out of a mapping without a type error. No CDK import: local mode and the CLI load it too.
 */

/** The routing a stage deploys with, before any runtime override. */
export function deployTimeRouting(
  config: Pick<StageConfig, 'productionEndpoint' | 'candidateEndpoints' | 'shadow' | 'canaryPercent'>,
): RoutingKnobs {
  return {
    productionEndpoint: config.productionEndpoint,
    candidateEndpoints: config.candidateEndpoints,
    shadowEnabled: config.shadow.enabled,
    sampleRate: config.shadow.sampleRate,
    canaryPercent: config.canaryPercent,
  };
}

export { allowedEndpoints } from '../../lambda/configuration/function-settings';

export function routerEnvironment(input: {
  readonly routing: RoutingKnobs;
  readonly limits: Pick<
    StageConfig['router'],
    | 'modelTimeoutMs'
    | 'modelMaxAttempts'
    | 'dispatchBudgetMs'
    | 'shadowDispatch'
    | 'maxPayloadBytes'
    | 'maxMessageBytes'
    | 'inputSchema'
  >;
  readonly shadowQueueUrl: string;
  readonly runtimeConfigTable: string;
  /** @default - the setting's default (lambda/configuration/function-settings.ts) */
  readonly runtimeConfigMaxAgeSeconds?: number;
  readonly userKeySalt: UserKeySaltSource;
}): Record<string, string> {
  const { limits } = input;
  return environmentOf(Settings.Router, {
    ...input.routing,
    shadowQueueUrl: input.shadowQueueUrl,
    userKeySaltSecretArn: 'secretArn' in input.userKeySalt ? input.userKeySalt.secretArn : undefined,
    userKeySaltValue: 'value' in input.userKeySalt ? input.userKeySalt.value : undefined,
    runtimeConfigTable: input.runtimeConfigTable,
    runtimeConfigMaxAgeSeconds:
      input.runtimeConfigMaxAgeSeconds ?? Settings.runtimeConfigMaxAgeSeconds.default,
    modelTimeoutMs: limits.modelTimeoutMs,
    modelMaxAttempts: limits.modelMaxAttempts,
    dispatchBudgetMs: limits.dispatchBudgetMs,
    shadowDispatch: limits.shadowDispatch,
    maxPayloadBytes: limits.maxPayloadBytes,
    maxMessageBytes: limits.maxMessageBytes,
    inputSchema: limits.inputSchema,
  });
}

export function workerEnvironment(input: {
  readonly comparisonTable: string;
  readonly shadow: Pick<
    StageConfig['shadow'],
    'comparator' | 'captureInput' | 'recordTtlDays' | 'noiseBaselineRate'
  >;
  readonly limits: Pick<StageConfig['worker'], 'candidateTimeoutMs' | 'candidateMaxAttempts'>;
  /** @default - the setting's default (16 KiB) */
  readonly maxStoredBodyBytes?: number;
}): Record<string, string> {
  return environmentOf(Settings.Worker, {
    comparisonTable: input.comparisonTable,
    comparator: input.shadow.comparator,
    captureInput: input.shadow.captureInput,
    recordTtlDays: input.shadow.recordTtlDays,
    noiseBaselineRate: input.shadow.noiseBaselineRate,
    candidateTimeoutMs: input.limits.candidateTimeoutMs,
    candidateMaxAttempts: input.limits.candidateMaxAttempts,
    maxStoredBodyBytes: input.maxStoredBodyBytes ?? Settings.maxStoredBodyBytes.default,
  });
}

export function outcomeRecorderEnvironment(input: {
  readonly comparisonTable: string;
  readonly shadow: Pick<StageConfig['shadow'], 'comparator' | 'recordTtlDays'>;
}): Record<string, string> {
  return environmentOf(Settings.OutcomeRecorder, {
    comparisonTable: input.comparisonTable,
    recordTtlDays: input.shadow.recordTtlDays,
    comparator: input.shadow.comparator,
  });
}

export function comparisonReaderEnvironment(input: {
  readonly comparisonTable: string;
}): Record<string, string> {
  return environmentOf(Settings.ComparisonReader, input);
}

export function rolloutReportEnvironment(input: {
  readonly routing: RoutingKnobs;
  readonly runtimeConfigTable: string;
  readonly guardrails: StageConfig['guardrails'];
}): Record<string, string> {
  return environmentOf(Settings.RolloutReport, {
    ...input.routing,
    runtimeConfigTable: input.runtimeConfigTable,
    guardrails: input.guardrails,
  });
}

export function automaticRollbackEnvironment(input: {
  readonly routing: RoutingKnobs;
  readonly runtimeConfigTable: string;
}): Record<string, string> {
  return environmentOf(Settings.AutomaticRollback, {
    ...input.routing,
    runtimeConfigTable: input.runtimeConfigTable,
  });
}

export function rolloutControllerEnvironment(input: {
  readonly routing: RoutingKnobs;
  readonly runtimeConfigTable: string;
  readonly guardrails: StageConfig['guardrails'];
  readonly breaker: StageConfig['rollout']['breaker'];
  readonly shadowQueueName: string;
}): Record<string, string> {
  return environmentOf(Settings.RolloutController, {
    ...input.routing,
    runtimeConfigTable: input.runtimeConfigTable,
    guardrails: input.guardrails,
    rolloutBreaker: input.breaker,
    shadowQueueName: input.shadowQueueName,
  });
}

/** The controller's alarm topic and the canary guardrail alarms it watches. */
export function rolloutAlarmsEnvironment(input: {
  readonly alarmTopicArn: string;
  readonly guardrailAlarmNames: readonly string[];
}): Record<string, string> {
  return environmentOf(Settings.RolloutAlarms, input);
}
