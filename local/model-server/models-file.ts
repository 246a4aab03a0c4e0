import { readFileSync } from 'node:fs';
import type { ComparatorConfig } from '../../lambda/core/comparators/types';
import { UserError } from '../../lambda/core/errors';
import type { InputSchema } from '../../lambda/core/input-contract';
import { inputSchemaProblems } from '../../lambda/core/input-schema-problems';
import { demoModels } from '../models/index';

/**
 * The models file says which demo model answers behind each local SageMaker endpoint and how
 * that endpoint misbehaves. JSON cannot carry comments, so the format is documented here and in
 * local/README.md:
 *
 * ```jsonc
 * {
 *   "production": "churn-v1",            // endpoint that answers callers (PRODUCTION_ENDPOINT)
 *   "candidates": ["churn-v2"],          // endpoints replayed in shadow (CANDIDATE_ENDPOINTS)
 *   "comparator": { "type": "exact" },   // optional; default: the dev stage's comparator
 *   "inputSchema": { "type": "object" }, // optional input contract the router checks (JSON Schema
 *                                        // subset, lambda/core/input-contract.ts); default: none
 *   "endpoints": {
 *     "churn-v1": {
 *       "model": "churn-v1",             // one of: churn-v1, churn-v2, recommender-v1, recommender-v2
 *       "variant": "AllTraffic",         // X-Amzn-Invoked-Production-Variant; default AllTraffic
 *       "latencyMs": 20,                 // simulated inference time; default 20
 *       "jitterMs": 10,                  // each call takes latencyMs ± a uniform jitter; default 0
 *       "errorRate": 0,                  // share (0..1) of calls that fail with errorType; default 0
 *       "errorType": "ModelError",       // ModelError (424) | ServiceUnavailable (503) | InternalFailure (500)
 *       "throttleRate": 0,               // share (0..1) of calls rejected with ThrottlingException; default 0
 *       "containerTimeoutMs": 60000      // SageMaker gives up on the container after this (424 ModelError)
 *     }
 *   }
 * }
 * ```
 */
export interface ModelsFile {
  readonly production: string;
  readonly candidates: readonly string[];
  readonly comparator?: ComparatorConfig;
  readonly inputSchema?: InputSchema;
  readonly endpoints: Readonly<Record<string, EndpointBehaviour>>;
}

export const ENDPOINT_ERROR_TYPES = ['ModelError', 'ServiceUnavailable', 'InternalFailure'] as const;
export type EndpointErrorType = (typeof ENDPOINT_ERROR_TYPES)[number];

export interface EndpointBehaviour {
  readonly model: string;
  readonly variant: string;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly errorRate: number;
  readonly errorType: EndpointErrorType;
  readonly throttleRate: number;
  readonly containerTimeoutMs: number;
}

/** SageMaker's own limit on a real-time inference container's answer. */
export const SAGEMAKER_CONTAINER_TIMEOUT_MS = 60_000;

/** An endpoint serving `model` at once and never failing, for code that builds endpoints itself (override what it needs). */
export function instantEndpoint(
  model: string,
  overrides: Partial<EndpointBehaviour> = {},
): EndpointBehaviour {
  return {
    model,
    variant: 'AllTraffic',
    latencyMs: 0,
    jitterMs: 0,
    errorRate: 0,
    errorType: 'ModelError',
    throttleRate: 0,
    containerTimeoutMs: SAGEMAKER_CONTAINER_TIMEOUT_MS,
    ...overrides,
  };
}

export class ModelsFileError extends UserError {
  override readonly name = 'ModelsFileError';
}

export function loadModelsFile(path: string): ModelsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelsFileError(`cannot read models file ${path}: ${(error as Error).message}`);
  }
  return parseModelsFile(raw, path);
}

/** Checks a models file and reports every problem at once. */
export function parseModelsFile(raw: unknown, source = 'models file'): ModelsFile {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelsFileError(`${source} must be a JSON object`);
  }
  const file = raw as Record<string, unknown>;
  const endpointsRaw = file.endpoints;
  const endpoints: Record<string, EndpointBehaviour> = {};
  if (typeof endpointsRaw !== 'object' || endpointsRaw === null || Array.isArray(endpointsRaw)) {
    problems.push('"endpoints" must be an object of endpoint name → behaviour');
  } else {
    for (const [name, value] of Object.entries(endpointsRaw)) {
      const behaviour = parseEndpoint(name, value, problems);
      if (behaviour) endpoints[name] = behaviour;
    }
  }
  const production = file.production;
  if (typeof production !== 'string' || !(production in endpoints)) {
    problems.push('"production" must name one of "endpoints"');
  }
  const candidates = file.candidates ?? [];
  if (!Array.isArray(candidates) || candidates.some((c) => typeof c !== 'string' || !(c in endpoints))) {
    problems.push('"candidates" must be an array naming entries of "endpoints"');
  } else if (candidates.includes(production)) {
    problems.push('"candidates" must not include the production endpoint');
  }
  const comparator = file.comparator;
  if (
    comparator !== undefined &&
    (typeof comparator !== 'object' || comparator === null || !('type' in comparator))
  ) {
    problems.push('"comparator" must be a comparator config such as {"type": "exact"}');
  }
  const inputSchema = file.inputSchema;
  if (inputSchema !== undefined)
    problems.push(...inputSchemaProblems(inputSchema, 'inputSchema').map((p) => `"inputSchema": ${p}`));
  if (problems.length > 0) throw new ModelsFileError(`invalid ${source}:\n  - ${problems.join('\n  - ')}`);
  return {
    production: production as string,
    candidates: candidates as string[],
    endpoints,
    ...(comparator === undefined ? {} : { comparator: comparator as ComparatorConfig }),
    ...(inputSchema === undefined ? {} : { inputSchema: inputSchema as InputSchema }),
  };
}

function parseEndpoint(name: string, value: unknown, problems: string[]): EndpointBehaviour | undefined {
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
    problems.push(`endpoint "${name}" is not a valid SageMaker endpoint name`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`endpoint "${name}" must be an object`);
    return undefined;
  }
  const entry = value as Record<string, unknown>;
  const number = (key: string, fallback: number, min: number, max: number): number => {
    const v = entry[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      problems.push(`endpoints.${name}.${key} must be a number in [${min}, ${max}]`);
      return fallback;
    }
    return v;
  };
  const model = entry.model;
  if (typeof model !== 'string' || !(model in demoModels)) {
    problems.push(`endpoints.${name}.model must be one of ${Object.keys(demoModels).join(', ')}`);
  }
  const errorType = entry.errorType ?? 'ModelError';
  if (!(ENDPOINT_ERROR_TYPES as readonly unknown[]).includes(errorType)) {
    problems.push(`endpoints.${name}.errorType must be one of ${ENDPOINT_ERROR_TYPES.join(', ')}`);
  }
  const variant = entry.variant ?? 'AllTraffic';
  if (typeof variant !== 'string' || variant === '')
    problems.push(`endpoints.${name}.variant must be a string`);
  return {
    model: String(model),
    variant: String(variant),
    latencyMs: number('latencyMs', 20, 0, 600_000),
    jitterMs: number('jitterMs', 0, 0, 600_000),
    errorRate: number('errorRate', 0, 0, 1),
    errorType: errorType as EndpointErrorType,
    throttleRate: number('throttleRate', 0, 0, 1),
    containerTimeoutMs: number('containerTimeoutMs', SAGEMAKER_CONTAINER_TIMEOUT_MS, 1, 600_000),
  };
}
