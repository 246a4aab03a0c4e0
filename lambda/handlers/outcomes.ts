import { ComparisonStore, dynamoDocumentClient } from '../adapters/comparison-store';
import { evidenceLog, evidenceLogSettings } from '../composition/evidence-log';
import { functionObservability } from '../composition/lifecycle';
import { outcomeRecorderSettings } from '../configuration/function-settings';
import { labelReader } from '../core/comparators/predicted-label';
import { PayloadTooLargeError, ServiceUnavailableError } from '../core/errors';
import { jsonResponse } from '../core/http';
import { parseOutcome } from '../core/outcome';
import { EvidenceAppendError } from '../use-cases/append-evidence';
import { recordOutcome } from '../use-cases/record-outcome';

const MAX_BODY_BYTES = 16_384;
const settings = outcomeRecorderSettings(process.env);
const lifecycle = functionObservability('outcomes');
const { logger, metrics } = lifecycle;
const ports = {
  store: new ComparisonStore(dynamoDocumentClient(), settings.comparisonTable),
  evidenceLog: evidenceLog(evidenceLogSettings(process.env), metrics, 'outcome'),
  metrics,
  // The deployment's comparator says where a predicted label is, for label accuracy.
  labelOf: labelReader(settings.comparator),
};

/** `POST /outcomes`: joins a business outcome to the request's record, in either order. */
export const handler = lifecycle.apiHandler(async (event) => {
  const body =
    event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (body && Buffer.byteLength(body) > MAX_BODY_BYTES)
    throw new PayloadTooLargeError(`An outcome is at most ${MAX_BODY_BYTES} bytes`);
  const post = parseOutcome(body, new Date().toISOString());
  const result = await recordOutcome(post, settings.recordTtlDays, ports).catch((error: unknown) => {
    if (!(error instanceof EvidenceAppendError)) throw error;
    // Stored, but not yet in the evidence log: the caller's retry appends it (and changes nothing else).
    logger.warn('outcome not appended to the evidence log', { errorName: (error.cause as Error)?.name });
    throw new ServiceUnavailableError('evidence_unavailable', 'The outcome could not be recorded; retry');
  });
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
});
