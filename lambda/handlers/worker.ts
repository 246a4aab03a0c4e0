import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sageMakerRuntimeClient } from '../adapters/clients';
import { ComparisonStore, dynamoDocumentClient } from '../adapters/comparison-store';
import { modelInvoker } from '../adapters/model-endpoint';
import { evidenceLog, evidenceLogSettings } from '../composition/evidence-log';
import { functionObservability } from '../composition/lifecycle';
import { workerSettings } from '../configuration/function-settings';
import { createComparator } from '../core/comparators';
import { labelReader } from '../core/comparators/predicted-label';
import { MetricName } from '../core/metric-names';
import { type InvalidShadowMessageError, parseShadowMessage } from '../core/shadow-message';
import { compareShadow } from '../use-cases/compare-shadow';

const settings = workerSettings(process.env);
const lifecycle = functionObservability('worker');
const { logger, metrics } = lifecycle;

const modelClient = sageMakerRuntimeClient({
  maxAttempts: settings.candidateMaxAttempts,
  attemptTimeoutMs: Math.ceil(settings.candidateTimeoutMs / settings.candidateMaxAttempts),
});
const ports = {
  invokeModel: modelInvoker(modelClient, settings.candidateTimeoutMs),
  store: new ComparisonStore(dynamoDocumentClient(), settings.tableName),
  evidenceLog: evidenceLog(evidenceLogSettings(process.env), metrics, 'record'),
  comparator: createComparator(settings.comparator),
  labelOf: labelReader(settings.comparator),
  metrics,
  now: () => new Date(),
};

async function compareRecord(record: SQSRecord): Promise<void> {
  let message: ReturnType<typeof parseShadowMessage>;
  try {
    message = parseShadowMessage(record.body);
  } catch (error) {
    // Left for redelivery and then the DLQ, where a person can look at it.
    metrics.count(MetricName.InvalidShadowMessages);
    logger.error('invalid shadow message', {
      messageId: record.messageId,
      reason: (error as InvalidShadowMessageError).message,
    });
    throw error;
  }
  const outcome = await compareShadow(message, settings.compare, ports);
  logger.debug('shadow compared', { requestId: message.requestId, outcome });
}

/** SQS shadow queue consumer: failed records are reported back for redelivery, the rest deleted. */
export const handler = lifecycle.lambdaHandler(
  async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
    // A processor per batch: it holds the batch's state, and one process may run several
    // batches at once (local mode's poller does; a shared one mixes their failures).
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event, compareRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
    if (response.batchItemFailures.length > 0) {
      logger.warn('shadow records left for redelivery', {
        failed: response.batchItemFailures.length,
        of: event.Records.length,
      });
    }
    return response;
  },
);
