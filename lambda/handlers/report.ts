import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ComparisonStore, dynamoDocumentClient } from '../adapters/comparison-store';
import { ApiError, BadRequestError } from '../core/errors';
import { parseGuardrails } from '../core/guardrails';
import { jsonResponse, responseForError } from '../core/http';
import { buildReport } from '../core/report';
import { unknownCandidateProblem } from '../core/report/candidate-selection';
import { EnvName, requiredString } from '../shared/env';
import { observability } from '../shared/observability';
import { comparatorConfig, tableName } from '../shared/settings';

const MAX_WINDOW_HOURS = 24 * 31;
const guardrails = parseGuardrails(requiredString(process.env, EnvName.guardrails));
const comparator = comparatorConfig(process.env);
const { logger } = observability('report');
const store = new ComparisonStore(dynamoDocumentClient(), tableName(process.env));

/** `GET /report?hours=24&candidate=NAME`: the evidence and verdict for a recent window. */
export const handler = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  try {
    const query = event.queryStringParameters ?? {};
    const hours = query.hours === undefined ? 24 : Number(query.hours);
    if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_WINDOW_HOURS) {
      throw new BadRequestError(`hours must be a number in (0, ${MAX_WINDOW_HOURS}]`, 'invalid_window');
    }
    const candidate = query.candidate;
    if (candidate !== undefined && !/^[a-zA-Z0-9-]{1,63}$/.test(candidate)) {
      throw new BadRequestError('candidate must be a SageMaker endpoint name', 'invalid_candidate');
    }
    const now = new Date();
    const records = await store.listWindow(new Date(now.getTime() - hours * 3_600_000), now);
    const unknown = unknownCandidateProblem(records, candidate);
    if (unknown !== undefined) throw new BadRequestError(unknown, 'unknown_candidate');
    const report = buildReport(records, guardrails, { now, comparator, ...(candidate ? { candidate } : {}) });
    return jsonResponse(200, report);
  } catch (error) {
    if (!(error instanceof ApiError)) logger.error('report failed', { errorName: (error as Error)?.name });
    return responseForError(error, null);
  }
};
