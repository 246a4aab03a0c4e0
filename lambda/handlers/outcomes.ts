import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ComparisonStore, dynamoDocumentClient } from '../adapters/comparison-store';
import { powertoolsMetrics } from '../adapters/metrics';
import { outcomeRecorderSettings } from '../configuration/function-settings';
import { labelReader } from '../core/comparators/predicted-label';
import { ApiError, PayloadTooLargeError } from '../core/errors';
import { errorResponse, jsonResponse, responseForError } from '../core/http';
import { parseOutcome } from '../core/outcome';
import { evidenceLog, evidenceLogSettings } from '../shared/evidence';
import { observability } from '../shared/observability';
import { EvidenceAppendError } from '../use-cases/append-evidence';
import { recordOutcome } from '../use-cases/record-outcome';

const MAX_BODY_BYTES = 16_384;
const settings = outcomeRecorderSettings(process.env);
const { logger, metrics } = observability('outcomes');
const metricsPort = powertoolsMetrics(metrics);
const ports = {
  store: new ComparisonStore(dynamoDocumentClient(), settings.comparisonTable),
  evidenceLog: evidenceLog(evidenceLogSettings(process.env), metricsPort, 'outcome'),
  metrics: metricsPort,
  // The deployment's comparator says where a predicted label is, for label accuracy.
  labelOf: labelReader(settings.comparator),
};

/** `POST /outcomes`: joins a business outcome to the request's record, in either order. */
export const handler = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  try {
    const body =
      event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (body && Buffer.byteLength(body) > MAX_BODY_BYTES)
      throw new PayloadTooLargeError(`An outcome is at most ${MAX_BODY_BYTES} bytes`);
    const post = parseOutcome(body, new Date().toISOString());
    const result = await recordOutcome(post, settings.recordTtlDays, ports);
    logger.debug('outcome stored', { requestId: post.requestId, status: result.status, kept: result.kept });
    return jsonResponse(
      202,
      {
        requestId: post.requestId,
        status: result.status,
        // Fields an earlier post already set: the first value stands.
        ...(result.kept.length > 0 ? { kept: result.kept } : {}),
      },
      { 'X-Request-Id': post.requestId },
    );
  } catch (error) {
    if (error instanceof EvidenceAppendError) {
      // Stored, but not yet in the evidence log: the caller's retry appends it (and changes nothing else).
      logger.warn('outcome not appended to the evidence log', { errorName: (error.cause as Error)?.name });
      return errorResponse(503, 'evidence_unavailable', 'The outcome could not be recorded; retry', null);
    }
    if (!(error instanceof ApiError))
      logger.error('outcome write failed', { errorName: (error as Error)?.name });
    return responseForError(error, null);
  } finally {
    metrics.publishStoredMetrics();
  }
};
