import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { dynamoDbClient } from '../adapters/clients';
import { CloudWatchGuardrailAlarms, CloudWatchShadowHealth } from '../adapters/cloudwatch-rollout-signals';
import { runtimeConfigExperiments } from '../adapters/experiment-catalog';
import { ReportForVerdictSource } from '../adapters/report-verdict-source';
import { RuntimeConfigStore } from '../adapters/runtime-config-store';
import { SnsRolloutNotifier } from '../adapters/sns-notifier';
import { analysisEngine, analysisSettings, reportSettings } from '../composition/analysis';
import { analysisCache } from '../composition/analysis-cache';
import { functionObservability } from '../composition/lifecycle';
import { rolloutControllerSettings } from '../configuration/function-settings';
import { MetricName } from '../core/metric-names';
import { runControllerTick, type TickOutcome } from '../use-cases/rollout/run-controller';

const lifecycle = functionObservability('rollout-controller');
const { logger, metrics } = lifecycle;
const cloudwatch = new CloudWatchClient({});
const settings = rolloutControllerSettings(process.env);
const { deployTime } = settings;
const config = new RuntimeConfigStore(dynamoDbClient(), settings.runtimeConfigTable);
// The same report as GET /report (Athena over the evidence log), waited for up to the tick's budget.
const engine = analysisEngine(analysisSettings(process.env));
// The report's kept analyses (the comparison table's `analysis#` items): a tick whose analysis
// outlasts its wait judges the step on the last completed one, which the report may have kept.
const cache = analysisCache(process.env, (operation, error) =>
  logger.warn('kept analysis unavailable', { operation, error: (error as Error).name ?? String(error) }),
);
const verdicts = {
  currentVerdict: async (request: Parameters<ReportForVerdictSource['currentVerdict']>[0]) =>
    new ReportForVerdictSource(
      { engine: await engine, experiments: runtimeConfigExperiments(() => config.read(), deployTime), cache },
      { ...reportSettings(), answerWithinMs: 40_000 },
    ).currentVerdict(request),
};
const ports = {
  config,
  verdicts,
  notifier: new SnsRolloutNotifier(new SNSClient({}), settings.alarmTopicArn),
  metrics,
  health: new CloudWatchShadowHealth(cloudwatch, {
    serviceName: settings.serviceName,
    queueName: settings.shadowQueueName,
    windowMinutes: settings.breakerWindowMinutes,
  }),
  alarms: new CloudWatchGuardrailAlarms(cloudwatch, settings.guardrailAlarmNames),
  onError: (what: string, error: unknown) => {
    metrics.count(MetricName.RolloutTickFailures);
    logger.error(`${what} unavailable this tick`, {
      errorName: (error as Error)?.name,
      error: (error as Error)?.message,
    });
  },
};

/**
 * The rollout controller, invoked every minute by an EventBridge Scheduler schedule: one tick of
 * the controller use case (breaker, then the active rollout's step), logged with what it decided.
 */
export const handler = lifecycle.lambdaHandler(async (_event: unknown): Promise<TickOutcome> => {
  try {
    const outcome = await runControllerTick(ports, settings);
    const acted =
      (outcome.rollout && outcome.rollout.kind !== 'wait') ||
      (outcome.breaker && outcome.breaker.kind !== 'none');
    logger[acted ? 'warn' : 'info']('rollout controller tick', {
      rollout: outcome.rollout?.kind ?? 'no active rollout',
      ...(outcome.rollout?.kind === 'wait' ? { why: outcome.rollout.why } : {}),
      ...(outcome.rollout && outcome.rollout.kind !== 'wait' ? { reason: outcome.rollout.reason } : {}),
      breaker: outcome.breaker?.kind ?? 'not measured',
      ...(outcome.version === undefined ? {} : { configVersion: outcome.version }),
    });
    return outcome;
  } catch (error) {
    metrics.count(MetricName.RolloutTickFailures);
    logger.error('rollout controller tick failed', { errorName: (error as Error)?.name });
    throw error;
  }
});
