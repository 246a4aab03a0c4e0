import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { STAGES, type StageConfig } from '../../lib/config/stage-config';
import { resolveStage, StageConfigError, stages, validateStageConfig } from '../../lib/config/stages';
import { buildShadowRolloutApp, configFromContext } from '../../lib/shadow-rollout-app';
import { stageConfigRefusal } from './support/stage-config';
import {
  deployableConfig,
  logicalId,
  newOutdir,
  permissionsOfRole,
  removeSynthOutput,
  sagemakerEndpointArn,
  synthFromContext,
} from './support/synth';

afterAll(removeSynthOutput);

describe('stage selection', () => {
  it.each([
    [undefined, /Missing stage: pass -c stage=<dev\|staging\|prod>/],
    ['', /Missing stage/],
    ['production', /Unknown stage "production": expected one of dev, staging, prod/],
    ['Prod', /Unknown stage "Prod"/],
  ])('rejects stage %p instead of defaulting to one', (stage, message) => {
    expect(() => resolveStage(stage)).toThrow(message);
    const app = new App({ outdir: newOutdir('rejected'), context: stage === undefined ? {} : { stage } });
    expect(() => buildShadowRolloutApp(app)).toThrow(StageConfigError);
    expect(app.node.children).toHaveLength(0);
  });

  it.each(STAGES)('builds the one stack ShadowRollout-%s from the stage context', (stage) => {
    const s = synthFromContext({ stage, alarmEmails: 'ops@example.com' });
    expect(s.stack.stackName).toBe(`ShadowRollout-${stage}`);
    expect(s.app.node.children.filter(Stack.isStack).map((c) => c.stackName)).toEqual([
      `ShadowRollout-${stage}`,
    ]);
  });
});

describe('stage configs', () => {
  it.each(STAGES)('%s is valid (prod with the subscriber it requires)', (stage) => {
    expect(() => validateStageConfig(deployableConfig(stage))).not.toThrow();
    expect(stages[stage].stage).toBe(stage);
  });

  it('lists every problem of an invalid config at once', () => {
    const broken: StageConfig = {
      ...stages.dev,
      productionEndpoint: 'churn_v1',
      candidateEndpoints: ['CHURN_V1', 'churn-v2', 'Churn-V2'],
      shadow: { ...stages.dev.shadow, sampleRate: 1.5 },
      canaryPercent: 120,
      router: {
        ...stages.dev.router,
        modelTimeoutMs: 27_000,
        dispatchBudgetMs: 500,
        // A typo in a hand-edited config (the type system is bypassed by casts and JSON).
        shadowDispatch: 'after-answer' as StageConfig['router']['shadowDispatch'],
      },
      worker: { ...stages.dev.worker, maxConcurrency: 1, timeoutSeconds: 5 },
      api: { ...stages.dev.api, webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:global/webacl/x/1' },
      logRetentionDays: 10,
    };
    const message = stageConfigRefusal(broken);
    expect(message.split('\n')[0]).toBe('Invalid config for stage "dev":');
    for (const problem of [
      'productionEndpoint "churn_v1" is not a valid SageMaker endpoint name',
      'candidate endpoint "CHURN_V1" is not a valid SageMaker endpoint name',
      'candidate endpoint "Churn-V2" is listed twice',
      'shadow.sampleRate must be in [0, 1]',
      'canaryPercent must be in [0, 100]',
      'router.modelTimeoutMs + router.dispatchBudgetMs must be at most 27000',
      'router.shadowDispatch must be one of before-response, after-response',
      'worker.maxConcurrency must be in [2, 1000]',
      'worker.candidateTimeoutMs must be shorter than the worker timeout',
      'is not a regional WAFv2 web ACL ARN',
      'logRetentionDays 10 is not a CloudWatch Logs retention period',
    ]) {
      expect(message).toContain(problem);
    }
  });

  it('checks the noise baseline rate, the guardrails the alarms use and the alarm settings', () => {
    const broken: StageConfig = {
      ...deployableConfig('prod'),
      shadow: { ...stages.prod.shadow, noiseBaselineRate: 1.2 },
      guardrails: { ...stages.prod.guardrails, minConversionTraffic: 0, maxP99LatencyMs: 0 },
      alarms: {
        ...stages.prod.alarms,
        periodMinutes: 3,
        evaluationPeriods: 30,
        datapointsToAlarm: 31,
        maxApiServerErrorRate: 1,
        maxShadowDispatchFailureRate: -0.1,
        maxShadowDispatchLateRate: 1.5,
        maxFunctionErrors: 0.5,
      },
      router: { ...stages.prod.router, reservedConcurrency: 0 },
      expectedTraffic: { requestsPerMinute: 0, smallestCanaryPercent: 0, outcomeShare: 2 },
    };
    const message = stageConfigRefusal(broken);
    for (const problem of [
      'shadow.noiseBaselineRate must be in [0, 1]',
      'guardrails.minConversionTraffic must be at least 1',
      'guardrails.maxP99LatencyMs must be > 0',
      'alarms.datapointsToAlarm must be in [1, alarms.evaluationPeriods]',
      'alarms.periodMinutes must be one of 1, 2, 5, 10, 15, 30, 60',
      'alarms.evaluationPeriods must be at most 24',
      'alarms.maxApiServerErrorRate must be in [0, 1)',
      'alarms.maxShadowDispatchFailureRate must be in [0, 1)',
      'alarms.maxShadowDispatchLateRate must be in [0, 1)',
      'alarms.maxFunctionErrors must be a whole number >= 0',
      'router.reservedConcurrency must be a whole number in [1, 10000]',
      'expectedTraffic.requestsPerMinute must be > 0',
      'expectedTraffic.smallestCanaryPercent must be in (0, 100]',
      'expectedTraffic.outcomeShare must be in (0, 1]',
    ]) {
      expect(message).toContain(problem);
    }
  });

  it('refuses a stage that requires alarm subscribers without any, saying how to add one', () => {
    expect(stages.prod.requireAlarmSubscriber).toBe(true);
    expect(() => validateStageConfig(stages.prod)).toThrow(
      /stage prod needs at least one alarm subscriber, or its alarms reach nobody: deploy with -c alarmEmails=a@example.com,b@example.com \(or -c alarmHttpsEndpoints=https:\/\/…\)/,
    );
    expect(() =>
      validateStageConfig({ ...stages.prod, alarmHttpsEndpoints: ['https://events.example.com/sns'] }),
    ).not.toThrow();
    expect(() =>
      validateStageConfig({
        ...stages.prod,
        alarmEmails: ['not-an-address'],
        alarmHttpsEndpoints: ['http://x.example.com'],
      }),
    ).toThrow(
      /alarm email "not-an-address" is not an email address[\s\S]*alarm HTTPS endpoint "http:\/\/x.example.com" is not an https:\/\/ URL/,
    );
  });

  it('refuses expected traffic too low for an alarm to ever evaluate, naming the alarm and what it needs', () => {
    const quiet: StageConfig = {
      ...deployableConfig('prod'),
      expectedTraffic: { ...stages.prod.expectedTraffic, requestsPerMinute: 20 },
    };
    expect(() => validateStageConfig(quiet)).toThrow(
      /alarm CanaryErrorRate needs 500 samples \(canary-served request\) per 60-minute datapoint, 167 requests per minute; expectedTraffic.requestsPerMinute is 20, so it would never evaluate/,
    );
  });

  it('measures a noise baseline in every stage, less of it where traffic is larger', () => {
    expect(STAGES.map((stage) => stages[stage].shadow.noiseBaselineRate)).toEqual([0.05, 0.02, 0.01]);
  });

  it('rejects shadowing without a candidate and a candidate that is production in another case', () => {
    expect(() => validateStageConfig({ ...stages.dev, candidateEndpoints: [] })).toThrow(
      /shadow.enabled needs at least one candidate endpoint/,
    );
    expect(() => validateStageConfig({ ...stages.dev, candidateEndpoints: ['CHURN-V1'] })).toThrow(
      /candidate endpoint "CHURN-V1" is also the production endpoint/,
    );
  });

  it('fails `cdk synth` of prod without a subscriber with one line of cause and remedy, exit code 2', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: path.join(__dirname, '..', '..'),
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ stage: 'prod' }),
        CDK_OUTDIR: newOutdir('cli'),
      },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('needs at least one alarm subscriber');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails the synth of an invalid config before any stack is created', () => {
    const app = new App({
      outdir: newOutdir('invalid'),
      context: { stage: 'dev', productionEndpoint: 'not a name' },
    });
    expect(() => buildShadowRolloutApp(app)).toThrow(/productionEndpoint "not a name" is not a valid/);
    expect(app.node.children).toHaveLength(0);
  });
});

describe('endpoint overrides from context', () => {
  it('replace the stage endpoints; candidates are a comma list', () => {
    const s = synthFromContext({
      stage: 'staging',
      productionEndpoint: 'fraud-v7',
      candidateEndpoints: ' fraud-v8 , fraud-v9 ',
    });
    const worker = permissionsOfRole(s.template, logicalId(s.stack.worker.handler.role));
    // Candidates, and production for the noise baseline (staging measures one).
    expect(worker.find((p) => p.actions.includes('sagemaker:InvokeEndpoint'))?.resources).toEqual([
      sagemakerEndpointArn('fraud-v7'),
      sagemakerEndpointArn('fraud-v8'),
      sagemakerEndpointArn('fraud-v9'),
    ]);
    // The router may call every deploy-time endpoint: runtime config may route to any of them.
    const router = permissionsOfRole(s.template, logicalId(s.stack.router.handler.role));
    expect(router.find((p) => p.actions.includes('sagemaker:InvokeEndpoint'))?.resources).toEqual([
      sagemakerEndpointArn('fraud-v7'),
      sagemakerEndpointArn('fraud-v8'),
      sagemakerEndpointArn('fraud-v9'),
    ]);
  });

  it('add -c alarmEmails and -c alarmHttpsEndpoints to the stage subscribers, and read -c apiCloudWatchRole', () => {
    const app = new App({
      outdir: newOutdir('context'),
      context: {
        stage: 'prod',
        alarmEmails: 'a@example.com, b@example.com',
        alarmHttpsEndpoints: 'https://events.example.com/sns',
        apiCloudWatchRole: 'true',
      },
    });
    const config = configFromContext(app);
    expect(config.alarmEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(config.alarmHttpsEndpoints).toEqual(['https://events.example.com/sns']);
    expect(config.api.cloudWatchRole).toBe(true);
    expect(
      configFromContext(new App({ outdir: newOutdir('context'), context: { stage: 'dev' } })).api
        .cloudWatchRole,
    ).toBeUndefined();
  });

  it('keep the stage endpoints when absent, and reject a list that is not one', () => {
    const app = new App({ outdir: newOutdir('context'), context: { stage: 'prod' } });
    expect(configFromContext(app).productionEndpoint).toBe(stages.prod.productionEndpoint);
    const bad = new App({
      outdir: newOutdir('context'),
      context: { stage: 'prod', candidateEndpoints: { a: 1 } },
    });
    expect(() => configFromContext(bad)).toThrow(/candidateEndpoints must be a comma-separated list/);
  });
});
