import { Construct } from 'constructs';
import { comparisonReaderEnvironment } from '../config/function-environments';
import type { Stage } from '../config/stage-config';
import type { ComparisonTable } from './comparison-table';
import type { LogStorage } from './encrypted-log-group';
import { handlerEntry, ServiceFunction } from './service-function';

export interface ComparisonReaderProps {
  readonly stage: Stage;
  /** The records it reads, one at a time by request id. */
  readonly comparisonTable: ComparisonTable;
  /**
   * Retention, removal and encryption of the function's logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

/** Answers `GET /comparisons/{requestId}` with the stored comparison record. Read-only. */
export class ComparisonReader extends Construct {
  readonly handler: ServiceFunction;

  constructor(scope: Construct, id: string, props: ComparisonReaderProps) {
    super(scope, id);
    this.handler = new ServiceFunction(this, 'Handler', {
      entry: handlerEntry('get-comparison'),
      stage: props.stage,
      description: 'Returns the comparison record of one request',
      memorySize: 256,
      logs: props.logs,
      environment: comparisonReaderEnvironment({ comparisonTable: props.comparisonTable.table.tableName }),
    });
    props.comparisonTable.grantReadComparison(this.handler.role);
  }
}
