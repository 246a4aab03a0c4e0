import * as S from './function-settings';
/**
 * The name of every environment variable the functions read. What each holds (type, range,
 * default) is declared once in lambda/configuration/function-settings.ts.
 */
export const EnvName = {
  productionEndpoint: S.productionEndpoint.env,
  candidateEndpoints: S.candidateEndpoints.env,
  shadowQueueUrl: S.shadowQueueUrl.env,
  shadowEnabled: S.shadowEnabled.env,
  shadowSampleRate: S.sampleRate.env,
  canaryPercent: S.canaryPercent.env,
  userKeySalt: S.userKeySaltValue.env,
  userKeySaltSecretArn: S.userKeySaltSecretArn.env,
  modelTimeoutMs: S.modelTimeoutMs.env,
  modelMaxAttempts: S.modelMaxAttempts.env,
  dispatchBudgetMs: S.dispatchBudgetMs.env,
  shadowDispatch: S.shadowDispatch.env,
  maxPayloadBytes: S.maxPayloadBytes.env,
  maxMessageBytes: S.maxMessageBytes.env,
  tableName: S.comparisonTable.env,
  comparator: S.comparator.env,
  captureInput: S.captureInput.env,
  recordTtlDays: S.recordTtlDays.env,
  candidateTimeoutMs: S.candidateTimeoutMs.env,
  candidateMaxAttempts: S.candidateMaxAttempts.env,
  maxStoredBodyBytes: S.maxStoredBodyBytes.env,
  runtimeConfigTable: S.runtimeConfigTable.env,
  runtimeConfigMaxAgeSeconds: S.runtimeConfigMaxAgeSeconds.env,
  guardrails: S.guardrails.env,
  noiseBaselineRate: S.noiseBaselineRate.env,
  /** Local mode and tests: the folder of the JSON-lines evidence log. */
  evidenceLogDir: S.evidenceLogDir.env,
  /** Local mode and tests: the analysis engine's memory cap (MB). */
  evidenceMemoryMb: S.evidenceMemoryMb.env,
  /** AWS: the Firehose delivery stream of the evidence log. */
  evidenceStreamName: S.evidenceStreamName.env,
  /** AWS: the Athena workgroup and Glue database the report queries the evidence log in. */
  analysisWorkGroup: S.analysisWorkGroup.env,
  analysisDatabase: S.analysisDatabase.env,
  /** AWS: the table the report keeps its last completed analyses in (the comparison table). */
  analysisCacheTable: S.analysisCacheTable.env,
  /** The stage's input contract (a JSON Schema, as JSON); unset or empty: none. */
  inputSchema: S.inputSchema.env,
  alarmTopicArn: S.alarmTopicArn.env,
  rolloutBreaker: S.rolloutBreaker.env,
  shadowQueueName: S.shadowQueueName.env,
  guardrailAlarmNames: S.guardrailAlarmNames.env,
  /** Set on every function (lib/constructs/service-function.ts): the `service` dimension of its metrics. */
  serviceName: S.serviceName.env,
} as const;

export {
  type Env,
  InvalidEnvironmentError,
  MissingEnvironmentError,
} from './setting';
