import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { InMemoryAnalysisCache } from '../adapters/analysis-cache-memory';
import { dynamoDbClient } from '../adapters/clients';
import { CloudWatchGuardrailAlarms, CloudWatchShadowHealth } from '../adapters/cloudwatch-rollout-signals';
import { runtimeConfigExperiments } from '../adapters/experiment-catalog';
import { powertoolsMetrics } from '../adapters/metrics';
import { ReportForVerdictSource } from '../adapters/report-verdict-source';
import { RuntimeConfigStore } from '../adapters/runtime-config-store';
import { SnsRolloutNotifier } from '../adapters/sns-notifier';
import { parseGuardrails } from '../core/guardrails';
import { MetricName } from '../core/metric-names';
import type { BreakerLimits } from '../core/rollout/breaker';
import { analysisEngine, analysisSettings, reportSettings } from '../shared/analysis';
import { EnvName, list, MissingEnvironmentError, requiredString } from '../shared/env';
import { observability } from '../shared/observability';
import { allowedEndpoints, deployTimeKnobs } from '../shared/settings';
import { runControllerTick, type TickOutcome } from '../use-cases/rollout/run-controller';

const { logger, metrics } = observability('rollout-controller');
const cloudwatch = new CloudWatchClient({});
const breaker = breakerLimits(requiredString(process.env, EnvName.rolloutBreaker));
const deployTime = deployTimeKnobs(process.env);
const settings = {
  deployTime,
  allowedEndpoints: allowedEndpoints(deployTime),
  guardrails: parseGuardrails(requiredString(process.env, EnvName.guardrails)),
  breaker: breaker.limits,
};
const config = new RuntimeConfigStore(
  dynamoDbClient(),
  requiredString(process.env, EnvName.runtimeConfigTable),
);
// The same report as GET /report (Athena over the evidence log), waited for up to the tick's budget.
const engine = analysisEngine(analysisSettings(process.env));
const cache = new InMemoryAnalysisCache();
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
  notifier: new SnsRolloutNotifier(new SNSClient({}), requiredString(process.env, EnvName.alarmTopicArn)),
  metrics: powertoolsMetrics(metrics),
  health: new CloudWatchShadowHealth(cloudwatch, {
    serviceName: requiredString(process.env, 'POWERTOOLS_SERVICE_NAME'),
    queueName: requiredString(process.env, EnvName.shadowQueueName),
    windowMinutes: breaker.windowMinutes,
  }),
  alarms: new CloudWatchGuardrailAlarms(cloudwatch, list(process.env, EnvName.guardrailAlarmNames)),
  onError: (what: string, error: unknown) => {
    metrics.addMetric(MetricName.RolloutTickFailures, 'Count', 1);
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
export const handler = async (_event: unknown, context: Context): Promise<TickOutcome> => {
  logger.addContext(context);
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
    metrics.addMetric(MetricName.RolloutTickFailures, 'Count', 1);
    logger.error('rollout controller tick failed', { errorName: (error as Error)?.name });
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
};

/** The stage's breaker settings (ROLLOUT_BREAKER, JSON of lib/config's `rollout.breaker`). */
function breakerLimits(json: string): { limits: BreakerLimits; windowMinutes: number } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new MissingEnvironmentError(`${EnvName.rolloutBreaker} is not valid JSON`);
  }
  const keys = [
    'maxCandidateErrorRate',
    'maxBacklogAgeSeconds',
    'minCandidateCalls',
    'reducedSampleRateFactor',
    'windowMinutes',
    'minOpenMinutes',
  ] as const;
  const missing = keys.filter((key) => typeof raw[key] !== 'number');
  if (missing.length > 0)
    throw new MissingEnvironmentError(`${EnvName.rolloutBreaker} needs numbers for: ${missing.join(', ')}`);
  const n = (key: (typeof keys)[number]) => raw[key] as number;
  return {
    windowMinutes: n('windowMinutes'),
    limits: {
      maxCandidateErrorRate: n('maxCandidateErrorRate'),
      maxBacklogAgeSeconds: n('maxBacklogAgeSeconds'),
      minCandidateCalls: n('minCandidateCalls'),
      reducedSampleRateFactor: n('reducedSampleRateFactor'),
      minOpenMs: n('minOpenMinutes') * 60_000,
    },
  };
}
