import type { Context } from 'aws-lambda';
import { dynamoDbClient } from '../adapters/clients';
import { RuntimeConfigStore } from '../adapters/runtime-config-store';
import { rollbackSettings } from '../configuration/function-settings';
import { alarmFromEvent } from '../core/alarm-event';
import { MetricName } from '../core/metric-names';
import { observability } from '../shared/observability';

const settings = rollbackSettings(process.env);
const { logger, metrics } = observability('rollback');
const store = new RuntimeConfigStore(dynamoDbClient(), settings.runtimeConfigTable);

/**
 * Automatic rollback: a canary guardrail alarm (directly, or through SNS) sets the canary share
 * to 0 in the runtime config, and after a promotion restores the previous production. The
 * change records which alarm fired and when.
 */
export const handler = async (
  event: unknown,
  context: Context,
): Promise<{ rolledBack: boolean; reason: string }> => {
  logger.addContext(context);
  try {
    const alarm = alarmFromEvent(event);
    if (alarm === undefined || alarm.state !== 'ALARM') {
      logger.info('not an alarm entering ALARM; nothing to do', { alarm: alarm?.name, state: alarm?.state });
      return { rolledBack: false, reason: 'not in ALARM' };
    }
    const reason = `alarm ${alarm.name} entered ALARM at ${alarm.at}: ${alarm.reason}`.slice(0, 500);
    const { before, after } = await store.change(
      settings.deployTime,
      { action: 'rollback' },
      { by: 'automatic-rollback', reason, allowedEndpoints: settings.allowedEndpoints },
    );
    metrics.addMetric(MetricName.AutomaticRollbacks, 'Count', 1);
    logger.warn('canary rolled back', { alarm: alarm.name, before, after });
    return { rolledBack: true, reason };
  } finally {
    metrics.publishStoredMetrics();
  }
};
