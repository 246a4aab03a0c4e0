/**
 * Reads environment variables once, at cold start, failing fast with the variable's name.
 * Every variable the Lambdas read is named in `EnvName`, which the stack also uses to set them.
 */
export const EnvName = {
  productionEndpoint: 'PRODUCTION_ENDPOINT',
  candidateEndpoints: 'CANDIDATE_ENDPOINTS',
  shadowQueueUrl: 'SHADOW_QUEUE_URL',
  shadowEnabled: 'SHADOW_ENABLED',
  shadowSampleRate: 'SHADOW_SAMPLE_RATE',
  canaryPercent: 'CANARY_PERCENT',
  userKeySalt: 'USER_KEY_SALT',
  userKeySaltSecretArn: 'USER_KEY_SALT_SECRET_ARN',
  modelTimeoutMs: 'MODEL_TIMEOUT_MS',
  modelMaxAttempts: 'MODEL_MAX_ATTEMPTS',
  dispatchBudgetMs: 'DISPATCH_BUDGET_MS',
  shadowDispatch: 'SHADOW_DISPATCH',
  maxPayloadBytes: 'MAX_PAYLOAD_BYTES',
  maxMessageBytes: 'MAX_MESSAGE_BYTES',
  tableName: 'TABLE_NAME',
  comparator: 'COMPARATOR',
  captureInput: 'CAPTURE_INPUT',
  recordTtlDays: 'RECORD_TTL_DAYS',
  candidateTimeoutMs: 'CANDIDATE_TIMEOUT_MS',
  candidateMaxAttempts: 'CANDIDATE_MAX_ATTEMPTS',
  maxStoredBodyBytes: 'MAX_STORED_BODY_BYTES',
  runtimeConfigTable: 'RUNTIME_CONFIG_TABLE',
  runtimeConfigMaxAgeSeconds: 'RUNTIME_CONFIG_MAX_AGE_SECONDS',
  guardrails: 'GUARDRAILS',
  noiseBaselineRate: 'NOISE_BASELINE_RATE',
  /** Local mode and tests: the folder of the JSON-lines evidence log. */
  evidenceLogDir: 'EVIDENCE_LOG_DIR',
  /** AWS: the Firehose delivery stream of the evidence log. */
  evidenceStreamName: 'EVIDENCE_STREAM_NAME',
  /** AWS: the Athena workgroup and Glue database the report queries the evidence log in. */
  analysisWorkGroup: 'ANALYSIS_WORKGROUP',
  analysisDatabase: 'ANALYSIS_DATABASE',
  /** The stage's input contract (a JSON Schema, as JSON); unset or empty: none. */
  inputSchema: 'INPUT_SCHEMA',
  alarmTopicArn: 'ALARM_TOPIC_ARN',
  rolloutBreaker: 'ROLLOUT_BREAKER',
  shadowQueueName: 'SHADOW_QUEUE_NAME',
  guardrailAlarmNames: 'GUARDRAIL_ALARM_NAMES',
} as const;

export type Env = Readonly<Record<string, string | undefined>>;

export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
}

export function requiredString(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new MissingEnvironmentError(`${name} environment variable is not set`);
  }
  return value.trim();
}

export function optionalString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

export function numberIn(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new MissingEnvironmentError(`${name} must be a number in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

export function booleanFlag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new MissingEnvironmentError(`${name} must be true or false, got "${raw}"`);
}

export function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
