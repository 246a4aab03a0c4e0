import { Construct } from 'constructs';
import type { ComparatorConfig } from '../../lambda/core/comparators/types';
import { outcomeRecorderEnvironment } from '../config/function-environments';
import type { Stage } from '../config/stage-config';
import type { ComparisonTable } from './comparison-table';
import type { LogStorage } from './encrypted-log-group';
import { handlerEntry, ServiceFunction } from './service-function';

export interface OutcomeRecorderProps {
  readonly stage: Stage;
  /** The records outcomes are joined to, by request id. */
  readonly comparisonTable: ComparisonTable;
  /** Days an outcome that arrives before its comparison is kept (the records' TTL). */
  readonly recordTtlDays: number;
  /** The deployment's comparator: where a predicted label is, for the label accuracy metrics. */
  readonly comparator: ComparatorConfig;
  /**
   * Retention, removal and encryption of the function's logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

/**
 * Answers `POST /outcomes`: joins a business outcome (conversion, value, label) to the request's
 * record, whichever arrives first. One conditional UpdateItem, nothing else.
 */
export class OutcomeRecorder extends Construct {
  readonly handler: ServiceFunction;

  constructor(scope: Construct, id: string, props: OutcomeRecorderProps) {
    super(scope, id);
    this.handler = new ServiceFunction(this, 'Handler', {
      entry: handlerEntry('outcomes'),
      stage: props.stage,
      description: 'Joins business outcomes to the comparison records',
      memorySize: 256,
      logs: props.logs,
      environment: outcomeRecorderEnvironment({
        comparisonTable: props.comparisonTable.table.tableName,
        shadow: { recordTtlDays: props.recordTtlDays, comparator: props.comparator },
      }),
    });
    props.comparisonTable.grantRecordOutcomes(this.handler.role);
  }
}
