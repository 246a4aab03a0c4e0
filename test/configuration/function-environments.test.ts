import fc from 'fast-check';
import * as Settings from '../../lambda/configuration/function-settings';
import {
  comparisonReaderSettings,
  outcomeRecorderSettings,
  rollbackSettings,
  rolloutControllerSettings,
  rolloutReportSettings,
  routerSettings,
  workerSettings,
} from '../../lambda/configuration/function-settings';
import {
  InvalidEnvironmentError,
  MissingEnvironmentError,
  type NumberSetting,
  readSetting,
  readSettings,
  settingProblems,
} from '../../lambda/configuration/setting';
import {
  automaticRollbackEnvironment,
  comparisonReaderEnvironment,
  deployTimeRouting,
  outcomeRecorderEnvironment,
  rolloutAlarmsEnvironment,
  rolloutControllerEnvironment,
  rolloutReportEnvironment,
  routerEnvironment,
  workerEnvironment,
} from '../../lib/config/function-environments';
import { STAGES } from '../../lib/config/stage-config';
import { stages } from '../../lib/config/stages';

describe.each(STAGES)('the %s stage, mapped to each function and read back at cold start', (name) => {
  const config = stages[name];
  const routing = deployTimeRouting(config);

  it('router: the routing, limits, input contract and resources the stage deploys', () => {
    // Arrange
    const env = routerEnvironment({
      routing,
      limits: config.router,
      shadowQueueUrl: 'https://sqs.example/q',
      runtimeConfigTable: 'config',
      userKeySalt: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salt' },
    });

    // Act
    const settings = routerSettings(env);

    // Assert
    expect(settings).toEqual({
      ...routing,
      maxMessageBytes: config.router.maxMessageBytes,
      userKeySaltSource: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salt' },
      userKeySaltSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salt',
      userKeySaltValue: undefined,
      runtimeConfigTable: 'config',
      runtimeConfigMaxAgeSeconds: Settings.runtimeConfigMaxAgeSeconds.default,
      inputSchema: config.router.inputSchema,
      shadowQueueUrl: 'https://sqs.example/q',
      modelTimeoutMs: config.router.modelTimeoutMs,
      modelMaxAttempts: config.router.modelMaxAttempts,
      dispatchBudgetMs: config.router.dispatchBudgetMs,
      shadowDispatch: config.router.shadowDispatch,
      maxPayloadBytes: config.router.maxPayloadBytes,
      inputContract: config.router.inputSchema === undefined ? undefined : expect.anything(),
    });
    expect(routing.sampleRate).toBe(config.shadow.sampleRate);
  });

  it('worker, outcomes and reader: the comparison table and the shadow settings', () => {
    const worker = workerSettings(
      workerEnvironment({ comparisonTable: 'records', shadow: config.shadow, limits: config.worker }),
    );
    expect(worker).toEqual({
      tableName: 'records',
      comparator: config.shadow.comparator,
      compare: {
        captureInput: config.shadow.captureInput,
        maxStoredBodyBytes: Settings.maxStoredBodyBytes.default,
        recordTtlDays: config.shadow.recordTtlDays,
        noiseBaselineRate: config.shadow.noiseBaselineRate,
        candidateTimeoutMs: config.worker.candidateTimeoutMs,
      },
      candidateTimeoutMs: config.worker.candidateTimeoutMs,
      candidateMaxAttempts: config.worker.candidateMaxAttempts,
    });
    expect(
      outcomeRecorderSettings(
        outcomeRecorderEnvironment({ comparisonTable: 'records', shadow: config.shadow }),
      ),
    ).toEqual({
      comparisonTable: 'records',
      recordTtlDays: config.shadow.recordTtlDays,
      comparator: config.shadow.comparator,
    });
    expect(comparisonReaderSettings(comparisonReaderEnvironment({ comparisonTable: 'records' }))).toEqual({
      comparisonTable: 'records',
    });
  });

  it('report, rollback and rollout controller: the same deploy-time routing as the router', () => {
    const report = rolloutReportSettings(
      rolloutReportEnvironment({ routing, runtimeConfigTable: 'config', guardrails: config.guardrails }),
    );
    expect(report).toEqual({
      deployTime: routing,
      runtimeConfigTable: 'config',
      guardrails: config.guardrails,
    });

    const rollback = rollbackSettings(
      automaticRollbackEnvironment({ routing, runtimeConfigTable: 'config' }),
    );
    expect(rollback).toEqual({
      deployTime: routing,
      allowedEndpoints: [config.productionEndpoint, ...config.candidateEndpoints],
      runtimeConfigTable: 'config',
    });

    const controller = rolloutControllerSettings({
      ...rolloutControllerEnvironment({
        routing,
        runtimeConfigTable: 'config',
        guardrails: config.guardrails,
        breaker: config.rollout.breaker,
        shadowQueueName: 'samples',
      }),
      ...rolloutAlarmsEnvironment({ alarmTopicArn: 'arn:topic', guardrailAlarmNames: ['a', 'b'] }),
      POWERTOOLS_SERVICE_NAME: 'svc',
    });
    expect(controller).toMatchObject({
      deployTime: routing,
      guardrails: config.guardrails,
      breaker: {
        maxCandidateErrorRate: config.rollout.breaker.maxCandidateErrorRate,
        minOpenMs: config.rollout.breaker.minOpenMinutes * 60_000,
      },
      breakerWindowMinutes: config.rollout.breaker.windowMinutes,
      shadowQueueName: 'samples',
      alarmTopicArn: 'arn:topic',
      guardrailAlarmNames: ['a', 'b'],
      serviceName: 'svc',
    });
  });
});

describe('one range per setting, at synth and at cold start', () => {
  const numeric = Object.entries(Settings as Record<string, unknown>).filter(
    (entry): entry is [string, NumberSetting] =>
      typeof entry[1] === 'object' && entry[1] !== null && (entry[1] as { kind?: string }).kind === 'number',
  );

  it('covers the router and worker limits', () => {
    expect(numeric.map(([key]) => key)).toEqual(
      expect.arrayContaining([
        'dispatchBudgetMs',
        'modelTimeoutMs',
        'modelMaxAttempts',
        'candidateTimeoutMs',
        'candidateMaxAttempts',
      ]),
    );
  });

  it.each(numeric)(
    '%s: a value synth accepts is read at cold start, and one it refuses is refused',
    (_, setting) => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.integer({ min: setting.min - 10, max: setting.max + 10 }),
            fc.double({ min: setting.min - 1, max: setting.max + 1, noNaN: true }),
            fc.constantFrom(setting.min, setting.max, setting.min - 1, setting.max + 1),
          ),
          (value) => {
            const acceptedAtSynth = settingProblems(setting, value, 'x').length === 0;
            const read = () => readSetting(setting, { [setting.env]: String(value) });
            if (acceptedAtSynth) expect(read()).toBe(value);
            else expect(read).toThrow(InvalidEnvironmentError);
          },
        ),
      );
      expect(settingProblems(setting, setting.default, 'x')).toEqual([]);
      expect(readSetting(setting, {})).toBe(setting.default);
    },
  );

  it('names the range and the stage path at synth (dispatch budget)', () => {
    expect(settingProblems(Settings.dispatchBudgetMs, 5000, 'router.dispatchBudgetMs')).toEqual([
      'router.dispatchBudgetMs must be a whole number in [1, 1000], got 5000',
    ]);
    expect(() => readSetting(Settings.dispatchBudgetMs, { DISPATCH_BUDGET_MS: '5000' })).toThrow(
      'DISPATCH_BUDGET_MS must be a whole number in [1, 1000], got "5000"',
    );
  });
});

describe('reading a function settings at cold start', () => {
  it('names every missing or invalid variable in one error', () => {
    const read = () =>
      readSettings(Settings.Router, { MODEL_TIMEOUT_MS: 'soon', SHADOW_DISPATCH: 'whenever' });

    expect(read).toThrow(MissingEnvironmentError);
    expect(read).toThrow(
      /PRODUCTION_ENDPOINT environment variable is not set; SHADOW_QUEUE_URL .*; MODEL_TIMEOUT_MS must be .*; SHADOW_DISPATCH must be one of before-response, after-response/,
    );
  });

  it('tells a present but unusable value from a missing one', () => {
    expect(() => readSetting(Settings.recordTtlDays, { RECORD_TTL_DAYS: '0' })).toThrow(
      InvalidEnvironmentError,
    );
    expect(() => readSetting(Settings.comparator, { COMPARATOR: '{"type":"nope"}' })).toThrow(
      InvalidEnvironmentError,
    );
    expect(() => readSetting(Settings.guardrails, {})).toThrow(MissingEnvironmentError);
    expect(readSetting(Settings.comparator, {})).toEqual({ type: 'exact' });
  });

  it('refuses a router without a user-key salt, naming both ways to give one', () => {
    const env = routerEnvironment({
      routing: deployTimeRouting(stages.dev),
      limits: stages.dev.router,
      shadowQueueUrl: 'q',
      runtimeConfigTable: 't',
      userKeySalt: { value: 'salt' },
    });
    const { USER_KEY_SALT: _, ...withoutSalt } = env;

    expect(() => routerSettings(withoutSalt)).toThrow(
      'USER_KEY_SALT_SECRET_ARN or USER_KEY_SALT environment variable is not set',
    );
  });
});
