import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ComparisonStore, dynamoDocumentClient } from '../adapters/comparison-store';
import { comparisonReaderSettings } from '../configuration/function-settings';
import { BadRequestError, NotFoundError } from '../core/errors';
import { jsonResponse, responseForError } from '../core/http';
import { isValidRequestId } from '../core/request-id';
import { observability } from '../shared/observability';

const settings = comparisonReaderSettings(process.env);
const { logger } = observability('get-comparison');
const store = new ComparisonStore(dynamoDocumentClient(), settings.comparisonTable);

/** `GET /comparisons/{requestId}`: the stored comparison record, or 404. */
export const handler = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  const requestId = event.pathParameters?.requestId ?? '';
  try {
    if (!isValidRequestId(requestId)) {
      throw new BadRequestError(
        'requestId must be 1-128 characters of A-Z a-z 0-9 . _ - (and not "." or "..")',
        'invalid_request_id',
      );
    }
    const record = await store.get(requestId);
    if (!record) throw new NotFoundError(`No comparison stored for request ${requestId}`);
    return jsonResponse(200, record, { 'X-Request-Id': requestId });
  } catch (error) {
    if (!(error instanceof BadRequestError || error instanceof NotFoundError)) {
      logger.error('comparison read failed', { errorName: (error as Error)?.name });
    }
    return responseForError(error, isValidRequestId(requestId) ? requestId : null);
  }
};
