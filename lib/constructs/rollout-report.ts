import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/configuration/env-names';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import { rolloutReportEnvironment } from '../config/function-environments';
import type { Guardrails, Stage } from '../config/stage-config';
import type { ComparisonTable } from './comparison-table';
import type { LogStorage } from './encrypted-log-group';
import type { RuntimeConfigTable } from './runtime-config-table';
import { handlerEntry, ServiceFunction } from './service-function';

/** Just under API Gateway's 29 s integration timeout, so a slow report ends as the function's own error. */
export const REPORT_TIMEOUT = Duration.seconds(28);

export interface RolloutReportProps {
  readonly stage: Stage;
  /**
   * The comparison table: the report keeps its last completed analyses there (`analysis#` items
   * only); it reads the evidence log, not the comparisons.
   */
  readonly comparisonTable: ComparisonTable;
  /** Where the experiment in force (and its start) is recorded: read only. */
  readonly runtimeConfig: RuntimeConfigTable;
  /** Deploy-time routing: the experiment before any runtime change. */
  readonly deployTimeRouting: RoutingKnobs;
  /** Thresholds the verdict is decided by (the same the alarms use). */
  readonly guardrails: Guardrails;
  /**
   * Memory of the function; it holds aggregates only (the SQL engine does the scanning).
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
 * Answers `GET /report`: the evidence (latency, errors, agreement, conversion) of the experiment
 * in force since its start, and the verdict. The aggregates come from SQL over the evidence log
 * (the analysis workgroup connects the function to Athena); it reads the runtime config to know
 * the experiment.
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
      environment: rolloutReportEnvironment({
        routing: props.deployTimeRouting,
        runtimeConfigTable: props.runtimeConfig.table.tableName,
        guardrails: props.guardrails,
      }),
    });
    props.runtimeConfig.grantReadRoutingConfig(this.handler.role);
    // Past its deadline a report answers the last completed analysis, also from a cold start.
    this.handler.function.addEnvironment(EnvName.analysisCacheTable, props.comparisonTable.table.tableName);
    props.comparisonTable.grantKeepAnalyses(this.handler.role);
  }
}
