import type { UserKeySaltSource } from '../adapters/user-key-salt';
import { parseComparatorConfig } from '../core/comparators';
import type { ComparatorConfig } from '../core/comparators/types';
import { type InputContract, inputContract } from '../core/input-contract';
import type { RoutingKnobs } from '../core/runtime-config';
import { isShadowDispatch, type ShadowDispatch } from '../core/shadow-dispatch';
import type { CompareShadowOptions } from '../use-cases/compare-shadow';
import type { RoutingConfig } from '../use-cases/serve-prediction';
import {
  booleanFlag,
  type Env,
  EnvName,
  list,
  MissingEnvironmentError,
  numberIn,
  optionalString,
  requiredString,
} from './env';

/** Deploy-time routing values: what the stack set, before any runtime override. */
export function deployTimeKnobs(env: Env): RoutingKnobs {
  return {
    productionEndpoint: requiredString(env, EnvName.productionEndpoint),
    candidateEndpoints: list(env, EnvName.candidateEndpoints),
    shadowEnabled: booleanFlag(env, EnvName.shadowEnabled, true),
    sampleRate: numberIn(env, EnvName.shadowSampleRate, 0, 0, 1),
    canaryPercent: numberIn(env, EnvName.canaryPercent, 0, 0, 100),
  };
}

/**
 * Endpoints runtime config may point the router at: the deploy-time ones, which are exactly those
 * its IAM policy lets it invoke (lib/constructs/prediction-router.ts `routerEndpoints`; a template
 * test pins the two together), so a `set`, `promote` or `rollback` can never end in AccessDenied.
 */
export function allowedEndpoints(knobs: RoutingKnobs): string[] {
  return [knobs.productionEndpoint, ...knobs.candidateEndpoints];
}

export interface RuntimeConfigSettings {
  readonly tableName: string;
  readonly maxAgeSeconds: number;
}

/** The runtime config table, when the deployment has one. */
export function runtimeConfigSettings(env: Env): RuntimeConfigSettings | undefined {
  const tableName = env[EnvName.runtimeConfigTable]?.trim();
  if (!tableName) return undefined;
  return { tableName, maxAgeSeconds: numberIn(env, EnvName.runtimeConfigMaxAgeSeconds, 5, 0, 300) };
}

/** The salt of user-key hashes: a secret's ARN (deployed stacks) or, failing that, a value. */
export function userKeySaltSource(env: Env): UserKeySaltSource {
  const secretArn = env[EnvName.userKeySaltSecretArn]?.trim();
  if (secretArn) return { secretArn };
  const value = env[EnvName.userKeySalt]?.trim();
  if (value) return { value };
  throw new MissingEnvironmentError(
    `${EnvName.userKeySaltSecretArn} or ${EnvName.userKeySalt} environment variable is not set`,
  );
}

export interface RouterSettings {
  readonly routing: Omit<RoutingConfig, 'userKeySalt'>;
  readonly userKeySalt: UserKeySaltSource;
  readonly runtimeConfig: RuntimeConfigSettings | undefined;
  readonly shadowQueueUrl: string;
  readonly modelTimeoutMs: number;
  readonly modelMaxAttempts: number;
  readonly dispatchBudgetMs: number;
  /** When the shadow send happens relative to the answer (see core/shadow-dispatch.ts). */
  readonly shadowDispatch: ShadowDispatch;
  readonly maxPayloadBytes: number;
  /** The stage's input contract, checked before any model is called; none when not declared. */
  readonly inputContract: InputContract | undefined;
}

/** INPUT_SCHEMA: a JSON Schema in the supported subset, or nothing; a bad one fails fast. */
export function inputContractSetting(env: Env): InputContract | undefined {
  const raw = env[EnvName.inputSchema]?.trim();
  if (!raw) return undefined;
  let schema: unknown;
  try {
    schema = JSON.parse(raw);
  } catch {
    throw new MissingEnvironmentError(`${EnvName.inputSchema} is not valid JSON`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new MissingEnvironmentError(`${EnvName.inputSchema} must be a JSON Schema object`);
  // Checked in full at synth; here the checker still refuses a keyword it would not check.
  try {
    return inputContract(schema as Record<string, unknown>);
  } catch (error) {
    throw new MissingEnvironmentError(`${EnvName.inputSchema}: ${(error as Error).message}`);
  }
}

export function routerSettings(env: Env): RouterSettings {
  return {
    routing: {
      ...deployTimeKnobs(env),
      maxMessageBytes: numberIn(env, EnvName.maxMessageBytes, 256 * 1024, 1024, 1_048_576),
    },
    userKeySalt: userKeySaltSource(env),
    runtimeConfig: runtimeConfigSettings(env),
    shadowQueueUrl: requiredString(env, EnvName.shadowQueueUrl),
    modelTimeoutMs: numberIn(env, EnvName.modelTimeoutMs, 3000, 10, 60_000),
    modelMaxAttempts: numberIn(env, EnvName.modelMaxAttempts, 2, 1, 10),
    dispatchBudgetMs: numberIn(env, EnvName.dispatchBudgetMs, 50, 1, 5000),
    shadowDispatch: shadowDispatch(env),
    maxPayloadBytes: numberIn(env, EnvName.maxPayloadBytes, 5_000_000, 1, 6_000_000),
    inputContract: inputContractSetting(env),
  };
}

function shadowDispatch(env: Env): ShadowDispatch {
  const value = optionalString(env, EnvName.shadowDispatch, 'before-response');
  if (!isShadowDispatch(value)) {
    throw new MissingEnvironmentError(
      `${EnvName.shadowDispatch} must be before-response or after-response, got "${value}"`,
    );
  }
  return value;
}

export interface WorkerSettings {
  readonly tableName: string;
  readonly comparator: ComparatorConfig;
  readonly compare: CompareShadowOptions;
  readonly candidateTimeoutMs: number;
  readonly candidateMaxAttempts: number;
}

export function workerSettings(env: Env): WorkerSettings {
  const candidateTimeoutMs = numberIn(env, EnvName.candidateTimeoutMs, 5000, 10, 60_000);
  return {
    tableName: requiredString(env, EnvName.tableName),
    comparator: comparatorConfig(env),
    compare: {
      captureInput: booleanFlag(env, EnvName.captureInput, false),
      maxStoredBodyBytes: numberIn(env, EnvName.maxStoredBodyBytes, 16_384, 256, 100_000),
      recordTtlDays: recordTtlDays(env),
      noiseBaselineRate: numberIn(env, EnvName.noiseBaselineRate, 0, 0, 1),
      candidateTimeoutMs,
    },
    candidateTimeoutMs,
    candidateMaxAttempts: numberIn(env, EnvName.candidateMaxAttempts, 2, 1, 10),
  };
}

export function tableName(env: Env): string {
  return requiredString(env, EnvName.tableName);
}

/** Days a record is kept; outcomes posted before their comparison get the same lifetime. */
export function recordTtlDays(env: Env): number {
  return numberIn(env, EnvName.recordTtlDays, 30, 1, 3650);
}

/** The deployment's comparator (COMPARATOR, JSON), `exact` when unset; invalid config fails fast. */
export function comparatorConfig(env: Env): ComparatorConfig {
  return parseComparatorConfig(optionalString(env, EnvName.comparator, '{"type":"exact"}'));
}
