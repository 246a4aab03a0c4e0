import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ComparatorConfig } from '../../lambda/core/comparators/types';
import { EnvName } from '../../lambda/shared/env';
import type { Guardrails, Stage } from '../config/stage-config';
import type { ComparisonStore } from './comparison-store';
import type { LogStorage } from './encrypted-log-group';
import { handlerEntry, ServiceFunction } from './service-function';

/** Just under API Gateway's 29 s integration timeout, so a slow report ends as the function's own error. */
export const REPORT_TIMEOUT = Duration.seconds(28);

export interface RolloutReportProps {
  readonly stage: Stage;
  /** The records a report aggregates, read by time window. */
  readonly comparisonStore: ComparisonStore;
  /** Thresholds the verdict is decided by (the same the alarms use). */
  readonly guardrails: Guardrails;
  /** How candidate and production answers are compared (the worker's comparator). */
  readonly comparator: ComparatorConfig;
  /**
   * Memory of the function; reports hold a whole window of records at once.
   * @default 1024
   */
  readonly memoryMb?: number;
  /**
   * Retention, removal and encryption of the function's logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

/**
 * Answers `GET /report`: the evidence (latency, errors, agreement, conversion) of a recent
 * window and the verdict (PROMOTE, CONTINUE or REJECT). Reads the `byTime` index only.
 */
export class RolloutReport extends Construct {
  readonly handler: ServiceFunction;

  constructor(scope: Construct, id: string, props: RolloutReportProps) {
    super(scope, id);
    this.handler = new ServiceFunction(this, 'Handler', {
      entry: handlerEntry('report'),
      stage: props.stage,
      description: 'Aggregates the comparison evidence of a time window and returns the verdict',
      memorySize: props.memoryMb ?? 1024,
      timeout: REPORT_TIMEOUT,
      logs: props.logs,
      environment: {
        [EnvName.tableName]: props.comparisonStore.table.tableName,
        [EnvName.guardrails]: JSON.stringify(props.guardrails),
        [EnvName.comparator]: JSON.stringify(props.comparator),
      },
    });
    props.comparisonStore.grantQueryTimeWindow(this.handler.role);
  }
}
