/**
 * Error responses as the SageMaker runtime sends them (restJson1): the `X-Amzn-ErrorType`
 * header names the exception, which is how @aws-sdk/client-sagemaker-runtime picks the class
 * it throws (`ModelError`, `ValidationError`, …). Throttling is not a modeled exception of
 * the API; the SDK recognises the name `ThrottlingException` and retries it with backoff.
 */
export interface SageMakerErrorResponse {
  readonly status: number;
  readonly errorType: string;
  readonly body: Record<string, unknown>;
}

const ACCOUNT = '000000000000';

export function validationError(message: string): SageMakerErrorResponse {
  return { status: 400, errorType: 'ValidationError', body: { message } };
}

export function endpointNotFound(endpoint: string): SageMakerErrorResponse {
  return validationError(`Endpoint ${endpoint} of account ${ACCOUNT} not found.`);
}

export function throttlingException(): SageMakerErrorResponse {
  return { status: 400, errorType: 'ThrottlingException', body: { message: 'Rate exceeded' } };
}

export function serviceUnavailable(): SageMakerErrorResponse {
  return {
    status: 503,
    errorType: 'ServiceUnavailable',
    body: { message: 'The service is unavailable. Try your call again.' },
  };
}

export function internalFailure(): SageMakerErrorResponse {
  return { status: 500, errorType: 'InternalFailure', body: { message: 'An internal failure occurred.' } };
}

/** The container answered with an error (or not at all): SageMaker reports it as a 424. */
export function modelError(
  endpoint: string,
  originalStatusCode: number,
  originalMessage: string,
  region: string,
): SageMakerErrorResponse {
  const kind = originalStatusCode >= 500 ? 'server' : 'client';
  return {
    status: 424,
    errorType: 'ModelError',
    body: {
      ErrorCode: `${kind.toUpperCase()}_ERROR_FROM_MODEL`,
      LogStreamArn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${endpoint}`,
      Message: `Received ${kind} error (${originalStatusCode}) from primary with message "${originalMessage}". See https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logEventViewer:group=/aws/sagemaker/Endpoints/${endpoint} in account ${ACCOUNT} for more information.`,
      OriginalMessage: originalMessage,
      OriginalStatusCode: originalStatusCode,
    },
  };
}

export function containerTimedOut(endpoint: string, region: string): SageMakerErrorResponse {
  return {
    status: 424,
    errorType: 'ModelError',
    body: {
      ErrorCode: 'MODEL_TIMEOUT',
      LogStreamArn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${endpoint}`,
      Message: 'Your invocation timed out while waiting for a response from container primary.',
    },
  };
}
