import { dynamoDbClient } from '../adapters/clients';
import { RuntimeConfigStore } from '../adapters/runtime-config-store';
import { functionObservability } from '../composition/lifecycle';
import { rollbackSettings } from '../configuration/function-settings';
import { alarmFromEvent } from '../core/alarm-event';
import { MetricName } from '../core/metric-names';

const settings = rollbackSettings(process.env);
const lifecycle = functionObservability('rollback');
const { logger, metrics } = lifecycle;
const store = new RuntimeConfigStore(dynamoDbClient(), settings.runtimeConfigTable);

/**
 * Automatic rollback: a canary guardrail alarm (directly, or through SNS) sets the canary share
 * to 0 in the runtime config, and after a promotion restores the previous production. The
 * change records which alarm fired and when.
 */
export const handler = lifecycle.lambdaHandler(
  async (event: unknown): Promise<{ rolledBack: boolean; reason: string }> => {
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
    metrics.count(MetricName.AutomaticRollbacks);
    logger.warn('canary rolled back', { alarm: alarm.name, before, after });
    return { rolledBack: true, reason };
  },
);
