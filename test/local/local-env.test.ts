import { analysisSettings } from '../../lambda/composition/analysis';
import { EnvName } from '../../lambda/configuration/env-names';
import {
  comparisonReaderSettings,
  outcomeRecorderSettings,
  rollbackSettings,
  rolloutReportSettings,
  routerSettings,
  workerSettings,
} from '../../lambda/configuration/function-settings';
import { stages } from '../../lib/config/stages';
import { localEnvironment } from '../../local/local-env';
import { parseModelsFile } from '../../local/model-server/models-file';

const models = parseModelsFile({
  production: 'churn-v1',
  candidates: ['churn-v2'],
  endpoints: { 'churn-v1': { model: 'churn-v1' }, 'churn-v2': { model: 'churn-v2' } },
});

const input = {
  stage: stages.dev,
  models,
  region: 'us-east-1',
  tableName: 'table',
  runtimeConfigTableName: 'runtime-config',
  shadowQueueUrl: 'http://sqs.us-east-1.localhost:1/000000000000/q',
  sampleRate: 1,
  dispatchBudgetMs: 250,
  endpoints: {
    sageMakerRuntime: 'http://127.0.0.1:1',
    sqs: 'http://sqs.us-east-1.localhost:2',
    dynamodb: 'http://127.0.0.1:3',
  },
  evidenceLogDir: '/tmp/evidence',
};

describe('local environment of the handlers', () => {
  it('gives every function local mode runs the settings it reads, from the dev stage with local overrides', () => {
    const env = localEnvironment(input);

    expect(routerSettings(env)).toMatchObject({
      productionEndpoint: 'churn-v1',
      candidateEndpoints: ['churn-v2'],
      sampleRate: 1,
      userKeySaltSource: { value: expect.any(String) },
      runtimeConfigTable: 'runtime-config',
      dispatchBudgetMs: 250,
      shadowDispatch: stages.dev.router.shadowDispatch,
    });
    expect(workerSettings(env)).toMatchObject({
      tableName: 'table',
      comparator: stages.dev.shadow.comparator,
      candidateTimeoutMs: stages.dev.worker.candidateTimeoutMs,
    });
    expect(outcomeRecorderSettings(env)).toMatchObject({ comparisonTable: 'table' });
    expect(comparisonReaderSettings(env)).toEqual({ comparisonTable: 'table' });
    expect(rolloutReportSettings(env).guardrails).toEqual(stages.dev.guardrails);
    expect(rollbackSettings(env).allowedEndpoints).toEqual(['churn-v1', 'churn-v2']);
    expect(env[EnvName.evidenceLogDir]).toBe('/tmp/evidence');
  });

  it('points the SDK at the emulators through the standard endpoint variables only', () => {
    const env = localEnvironment(input);

    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_SQS: 'http://sqs.us-east-1.localhost:2',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:3',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_SERVICE_NAME: 'shadow-rollout-local',
      POWERTOOLS_METRICS_NAMESPACE: 'ShadowRollout',
    });
  });

  it('takes endpoints from the models file and the rest from the dev stage, sampling everything', () => {
    const env = localEnvironment(input);

    expect(env[EnvName.productionEndpoint]).toBe('churn-v1');
    expect(env[EnvName.candidateEndpoints]).toBe('churn-v2');
    expect(env[EnvName.shadowSampleRate]).toBe('1');
    expect(env[EnvName.comparator]).toBe(JSON.stringify(stages.dev.shadow.comparator));
    expect(env[EnvName.candidateTimeoutMs]).toBe(String(stages.dev.worker.candidateTimeoutMs));
  });

  it('gives the functions the analysis memory cap asked for, else the setting default', () => {
    expect(analysisSettings(localEnvironment({ ...input, analysisMemoryMb: 1024 }))).toMatchObject({
      kind: 'files',
      memoryMb: 1024,
    });
    expect(analysisSettings(localEnvironment(input))).toMatchObject({ kind: 'files', memoryMb: 256 });
  });

  it('uses the comparator of the models file when it names one', () => {
    const env = localEnvironment({ ...input, models: { ...models, comparator: { type: 'exact' } } });

    expect(env[EnvName.comparator]).toBe('{"type":"exact"}');
  });
});
