import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/shared/env';
import type { Stage } from '../config/stage-config';
import type { ComparisonStore } from './comparison-store';
import { handlerEntry, ServiceFunction } from './service-function';

export interface ComparisonReaderProps {
  readonly stage: Stage;
  /** The records it reads, one at a time by request id. */
  readonly comparisonStore: ComparisonStore;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
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
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: { [EnvName.tableName]: props.comparisonStore.table.tableName },
    });
    props.comparisonStore.grantReadComparison(this.handler.role);
  }
}
