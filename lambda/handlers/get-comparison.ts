import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ComparisonStore, dynamoDocumentClient } from '../adapters/comparison-store';
import { functionObservability } from '../composition/lifecycle';
import { comparisonReaderSettings } from '../configuration/function-settings';
import { BadRequestError, NotFoundError } from '../core/errors';
import { jsonResponse } from '../core/http';
import { isValidRequestId } from '../core/request-id';

const settings = comparisonReaderSettings(process.env);
const lifecycle = functionObservability('get-comparison');
const store = new ComparisonStore(dynamoDocumentClient(), settings.comparisonTable);

const requestIdOf = (event: APIGatewayProxyEvent): string | null => {
  const requestId = event.pathParameters?.requestId ?? '';
  return isValidRequestId(requestId) ? requestId : null;
};

/** `GET /comparisons/{requestId}`: the stored comparison record, or 404. */
export const handler = lifecycle.apiHandler(
  async (event) => {
    const requestId = requestIdOf(event);
    if (requestId === null) {
      throw new BadRequestError(
        'requestId must be 1-128 characters of A-Z a-z 0-9 . _ - (and not "." or "..")',
        'invalid_request_id',
      );
    }
    const record = await store.get(requestId);
    if (!record) throw new NotFoundError(`No comparison stored for request ${requestId}`);
    return jsonResponse(200, record, { 'X-Request-Id': requestId });
  },
  { requestIdOf },
);
