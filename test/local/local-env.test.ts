import { EnvName } from '../../lambda/shared/env';
import { stages } from '../../lib/config/stages';
import { COMPARISON_TABLE_KEYS, RUNTIME_CONFIG_TABLE_KEY } from '../../local/emulators/dynamodb';
import {
  LOCAL_MAX_STORED_BODY_BYTES,
  LOCAL_RUNTIME_CONFIG_MAX_AGE_SECONDS,
  localEnvironment,
  UNSET_IN_LOCAL_MODE,
} from '../../local/local-env';
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
  it('sets every variable the Lambdas read, except those it lists with a reason', () => {
    const env = localEnvironment(input);

    for (const [key, name] of Object.entries(EnvName)) {
      const reason = UNSET_IN_LOCAL_MODE[key as keyof typeof EnvName];
      if (reason === undefined) expect({ [name]: env[name] }).toEqual({ [name]: expect.any(String) });
      else expect({ [name]: env[name] }).toEqual({ [name]: undefined });
    }
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

  it('uses the comparator of the models file when it names one', () => {
    const env = localEnvironment({ ...input, models: { ...models, comparator: { type: 'exact' } } });

    expect(env[EnvName.comparator]).toBe('{"type":"exact"}');
  });
});

describe('local mode mirrors the stack', () => {
  it('uses the table keys, the stored-body cap and the config cache age the stack deploys', async () => {
    // Imported lazily: the CDK library is heavy and only this check needs it.
    const { ComparisonStore } = await import('../../lib/constructs/comparison-store');
    const { DEFAULT_MAX_STORED_BODY_BYTES } = await import('../../lib/constructs/shadow-worker');
    const { RuntimeConfigStore } = await import('../../lib/constructs/runtime-config-store');
    const { DEFAULT_RUNTIME_CONFIG_MAX_AGE } = await import('../../lib/constructs/prediction-router');

    expect(COMPARISON_TABLE_KEYS).toEqual({ partitionKey: ComparisonStore.PARTITION_KEY });
    expect(LOCAL_MAX_STORED_BODY_BYTES).toBe(DEFAULT_MAX_STORED_BODY_BYTES);
    expect(RUNTIME_CONFIG_TABLE_KEY).toBe(RuntimeConfigStore.PARTITION_KEY);
    expect(LOCAL_RUNTIME_CONFIG_MAX_AGE_SECONDS).toBe(DEFAULT_RUNTIME_CONFIG_MAX_AGE.toSeconds());
  });
});
