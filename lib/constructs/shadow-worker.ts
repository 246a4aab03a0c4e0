import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { ComparatorConfig } from '../../lambda/core/comparators/types';
import { workerEnvironment } from '../config/function-environments';
import type { Stage, StageConfig } from '../config/stage-config';
import type { ComparisonTable } from './comparison-table';
import type { LogStorage } from './encrypted-log-group';
import { grantInvokeEndpoints } from './model-endpoints';
import { handlerEntry, ServiceFunction } from './service-function';
import type { ShadowQueue } from './shadow-queue';

export interface ShadowWorkerProps {
  readonly stage: Stage;
  /** Endpoints replayed against the production answer. */
  readonly candidateEndpoints: readonly string[];
  /**
   * Endpoint answering callers. The worker may invoke it: for the noise baseline, and because a
   * runtime promote makes it the candidate replayed in shadow.
   */
  readonly productionEndpoint: string;
  /**
   * Share (0..1) of samples also replayed against production, to measure its own disagreement.
   * @default 0 (no noise baseline)
   */
  readonly noiseBaselineRate?: number;
  /** Source of shadow samples; its visibility timeout must cover this worker's timeout. */
  readonly shadowQueue: ShadowQueue;
  /** Where comparisons are recorded. */
  readonly comparisonTable: ComparisonTable;
  /** How candidate and production answers are compared. */
  readonly comparator: ComparatorConfig;
  /** Keep (bounded) request bodies in records; otherwise only their hash. */
  readonly captureInput: boolean;
  /** Days before DynamoDB TTL removes a record. */
  readonly recordTtlDays: number;
  /** Memory, timeout, batching, concurrency cap and candidate call limits. */
  readonly limits: StageConfig['worker'];
  /**
   * Largest request or response body kept in a record.
   * @default - 16 KiB (`maxStoredBodyBytes` in lambda/configuration/function-settings.ts)
   */
  readonly maxStoredBodyBytes?: number;
  /**
   * Retention, removal and encryption of the function's logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

/**
 * Off the request path: takes shadow samples in batches, calls the candidates, compares each
 * answer with production's and records the comparison. Failed samples are reported one by one
 * (partial batch response) so a poison message never replays its batch.
 */
export class ShadowWorker extends Construct {
  readonly handler: ServiceFunction;

  constructor(scope: Construct, id: string, props: ShadowWorkerProps) {
    super(scope, id);
    const { limits } = props;
    const noiseBaselineRate = props.noiseBaselineRate ?? 0;

    this.handler = new ServiceFunction(this, 'Handler', {
      entry: handlerEntry('worker'),
      stage: props.stage,
      description: 'Replays shadow samples against the candidate models and records the comparisons',
      memorySize: limits.memoryMb,
      timeout: Duration.seconds(limits.timeoutSeconds),
      logs: props.logs,
      environment: workerEnvironment({
        comparisonTable: props.comparisonTable.table.tableName,
        shadow: {
          comparator: props.comparator,
          captureInput: props.captureInput,
          recordTtlDays: props.recordTtlDays,
          noiseBaselineRate,
        },
        limits,
        maxStoredBodyBytes: props.maxStoredBodyBytes,
      }),
    });

    this.handler.function.addEventSource(
      new SqsEventSource(props.shadowQueue.queue, {
        batchSize: limits.batchSize,
        maxBatchingWindow: Duration.seconds(limits.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        // Caps the load shadow traffic can put on the candidate endpoints.
        maxConcurrency: limits.maxConcurrency,
      }),
    );
    // Production too, always: it is re-invoked for the noise baseline, and after a runtime
    // promote the old production is the candidate the worker replays against.
    grantInvokeEndpoints(this.handler.role, this, [...props.candidateEndpoints, props.productionEndpoint]);
    props.comparisonTable.grantRecordComparisons(this.handler.role);
  }
}
