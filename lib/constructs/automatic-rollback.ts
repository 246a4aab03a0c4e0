import { Construct } from 'constructs';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import { automaticRollbackEnvironment } from '../config/function-environments';
import type { Stage } from '../config/stage-config';
import type { LogStorage } from './encrypted-log-group';
import type { RuntimeConfigTable } from './runtime-config-table';
import { handlerEntry, ServiceFunction } from './service-function';

export interface AutomaticRollbackProps {
  readonly stage: Stage;
  /** The routing config it rewrites (canary share to 0, previous production restored). */
  readonly runtimeConfig: RuntimeConfigTable;
  /** Deploy-time routing, the base the runtime overrides apply to (as the router sees it). */
  readonly deployTimeRouting: RoutingKnobs;
  /**
   * Retention, removal and encryption of the function's logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

/**
 * Ends the canary when a canary guardrail alarm fires: invoked by the alarm's Lambda action
 * (never by the API), it sets the canary share to 0 in the runtime config and records which
 * alarm fired and when. The router picks the change up within its config cache age.
 */
export class AutomaticRollback extends Construct {
  readonly handler: ServiceFunction;

  constructor(scope: Construct, id: string, props: AutomaticRollbackProps) {
    super(scope, id);
    this.handler = new ServiceFunction(this, 'Handler', {
      entry: handlerEntry('rollback'),
      stage: props.stage,
      description: 'Rolls the canary back when a canary guardrail alarm fires',
      memorySize: 256,
      logs: props.logs,
      // The same deploy-time routing as the router, so the before/after it logs are the real ones.
      environment: automaticRollbackEnvironment({
        routing: props.deployTimeRouting,
        runtimeConfigTable: props.runtimeConfig.table.tableName,
      }),
    });
    props.runtimeConfig.grantChangeRoutingConfig(this.handler.role);
  }
}
