import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { powertoolsMetrics } from '../adapters/metrics';
import { ApiError } from '../core/errors';
import { responseForError } from '../core/http';
import type { MetricsPort } from '../use-cases/ports/metrics';
import { observability } from './observability';

/**
 * The one lifecycle every handler has, as Powertools' middlewares give it (`injectLambdaContext`,
 * `logMetrics` with `captureColdStartMetric`), without @middy/core, whose current major needs
 * Node 22: the invocation's context on every log line, the cold start counted once, metrics
 * written only through the MetricsPort and flushed when the invocation ends, keys appended for
 * one invocation removed after it, and (for the API) every error mapped to a response here.
 */
export interface FunctionObservability {
  readonly logger: Logger;
  /** The only way handlers and use cases write metrics. */
  readonly metrics: MetricsPort;
  /** Writes the invocation's metrics (EMF); the lifecycle calls it, and deferred work after it lands. */
  readonly flushMetrics: () => void;
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/** Logger and metrics of one function, built once at cold start. */
export function functionObservability(component: string): FunctionObservability & {
  readonly lambdaHandler: <E, R>(handle: Handler<E, R>, after?: () => void) => Handler<E, R>;
  readonly apiHandler: (
    handle: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>,
    options?: ApiOptions,
  ) => Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
} {
  const { logger, metrics } = observability(component);
  const o: FunctionObservability = {
    logger,
    metrics: powertoolsMetrics(metrics),
    flushMetrics: () => metrics.publishStoredMetrics(),
  };
  let coldStart = true;
  const lambdaHandler =
    <E, R>(handle: Handler<E, R>, after?: () => void): Handler<E, R> =>
    async (event, context) => {
      logger.addContext(context);
      if (coldStart) {
        coldStart = false;
        metrics.captureColdStartMetric();
      }
      try {
        return await handle(event, context);
      } finally {
        o.flushMetrics();
        logger.resetKeys();
        after?.();
      }
    };
  return {
    ...o,
    lambdaHandler,
    apiHandler: (handle, options = {}) =>
      lambdaHandler(withErrorResponses(o, handle, options), options.after),
  };
}

export interface ApiOptions {
  /** The request id an error response carries. @default - none (null) */
  readonly requestIdOf?: (event: APIGatewayProxyEvent, error: unknown) => string | null;
  /** Called for a request answered with a 4xx or 5xx ApiError (the caller's mistake or a model's). */
  readonly onRejected?: (error: ApiError) => void;
  /** Runs after the response is handed back and the metrics are flushed. */
  readonly after?: () => void;
}

/**
 * Errors to responses, in one place: an ApiError is its status and code (logged at info: the
 * caller's mistake or a model's, not this function's), anything else a 500 that logs its name.
 */
function withErrorResponses(
  o: FunctionObservability,
  handle: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>,
  options: ApiOptions,
): Handler<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return async (event, context) => {
    try {
      return await handle(event, context);
    } catch (error) {
      if (error instanceof ApiError) {
        o.logger.info('request rejected', { status: error.status, code: error.code });
        options.onRejected?.(error);
      } else {
        o.logger.error('unexpected failure', { errorName: (error as Error)?.name });
      }
      return responseForError(error, options.requestIdOf?.(event, error) ?? null);
    }
  };
}
