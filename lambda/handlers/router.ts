import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterResponse } from '../adapters/after-response';
import { dynamoDbClient, sageMakerRuntimeClient, sqsClient } from '../adapters/clients';
import { powertoolsMetrics } from '../adapters/metrics';
import { modelInvoker } from '../adapters/model-endpoint';
import { runtimeKnobs, withExperiment } from '../adapters/runtime-config-store';
import { shadowDispatcher } from '../adapters/shadow-dispatcher';
import { userKeySalt } from '../adapters/user-key-salt';
import { routerSettings } from '../configuration/function-settings';
import { ApiError, ModelFailureError, ModelRejectedRequestError } from '../core/errors';
import { responseForError } from '../core/http';
import { MetricName } from '../core/metric-names';
import { parsePredictRequest, requestIdOf } from '../core/predict-request';
import { AFTER_RESPONSE_DISPATCH_BUDGET_MS } from '../core/shadow-dispatch';
import { observability } from '../shared/observability';
import {
  type Served,
  type ServePredictionPorts,
  type ShadowOutcome,
  servePrediction,
} from '../use-cases/serve-prediction';

const settings = routerSettings(process.env);
const { logger, metrics } = observability('router');
metrics.captureColdStartMetric();

const modelClient = sageMakerRuntimeClient({
  maxAttempts: settings.modelMaxAttempts,
  attemptTimeoutMs: Math.ceil(settings.modelTimeoutMs / settings.modelMaxAttempts),
});
const knobs = settings.runtimeConfigTable
  ? runtimeKnobs({
      client: dynamoDbClient(),
      tableName: settings.runtimeConfigTable,
      deployTime: settings,
      maxAgeSeconds: settings.runtimeConfigMaxAgeSeconds,
      firstReadTimeoutMs: 300,
      onError: (error) => {
        metrics.addMetric(MetricName.RuntimeConfigErrors, 'Count', 1);
        logger.warn('runtime config unavailable; using the last known or deploy-time values', {
          errorName: (error as Error)?.name,
        });
      },
      onDeadlineFallback: () => {
        metrics.addMetric(MetricName.RuntimeConfigDeadlineFallbacks, 'Count', 1);
        logger.info('first runtime config read is slow; deploy-time values until it completes');
      },
    })
  : async () => withExperiment(settings, undefined);
const userKeySaltOf = userKeySalt(settings.userKeySaltSource);
const queueClient = sqsClient();
const ports: ServePredictionPorts = {
  invokeModel: modelInvoker(modelClient, settings.modelTimeoutMs),
  dispatchShadow: shadowDispatcher(queueClient, settings.shadowQueueUrl, settings.dispatchBudgetMs),
  metrics: powertoolsMetrics(metrics),
  now: () => new Date(),
};
/** After the answer nobody waits on the send, so it gets longer before it counts as late. */
const afterResponseDispatch = shadowDispatcher(
  queueClient,
  settings.shadowQueueUrl,
  Math.max(settings.dispatchBudgetMs, AFTER_RESPONSE_DISPATCH_BUDGET_MS),
);

/**
 * The ports for one request. In `after-response` mode, and only once something keeps the
 * environment running after the answer (the extension registered, or local mode), the dispatch
 * is deferred: logged and its metrics published when it settles.
 */
function portsFor(requestId: string): ServePredictionPorts {
  if (settings.shadowDispatch !== 'after-response' || !afterResponse.active) return ports;
  return {
    ...ports,
    dispatchShadow: afterResponseDispatch,
    defer: (dispatch) =>
      afterResponse.defer(
        dispatch.then((outcome) => {
          logDispatch(outcome, { requestId, shadowDispatch: 'after-response' });
          countIfLostAfterLate(outcome, requestId);
          metrics.publishStoredMetrics();
        }),
      ),
  };
}

/** `POST /predict`: validate, decide, invoke, dispatch, answer. */
export const handler = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  logger.addContext(context);
  let requestId: string | null = null;
  try {
    const request = parsePredictRequest(event, settings.maxPayloadBytes, settings.inputContract);
    requestId = request.requestId;
    logger.appendKeys({ requestId });
    const [runtime, salt] = await Promise.all([knobs(), userKeySaltOf()]);
    const served = await servePrediction(
      request,
      { ...settings, ...runtime, userKeySalt: salt },
      portsFor(request.requestId),
    );
    logServed(served);
    countIfLostAfterLate(served.shadow, request.requestId);
    if (served.result.status === 'client_error') {
      throw new ModelRejectedRequestError(
        served.result.error?.httpStatus ?? 400,
        `The model rejected the request: ${served.result.error?.message || 'invalid input'}`,
      );
    }
    if (served.result.status === 'error' && served.result.error) {
      throw new ModelFailureError(
        served.result.error.code,
        `The ${served.servedVariant} model failed (${served.result.error.code})`,
      );
    }
    return {
      statusCode: 200,
      headers: {
        'Content-Type': served.result.contentType ?? 'application/octet-stream',
        'X-Request-Id': request.requestId,
        'X-Served-Variant': served.servedVariant,
        'X-Shadow': SAMPLED_OUTCOMES.has(served.shadow.outcome) ? 'sampled' : 'skipped',
      },
      body: served.result.body ?? '',
      isBase64Encoded: served.result.encoding === 'base64',
    };
  } catch (error) {
    requestId ??= requestIdOf(error);
    if (error instanceof ApiError) {
      if (!(error instanceof ModelFailureError)) metrics.addMetric(MetricName.RejectedRequests, 'Count', 1);
      logger.info('request rejected', { status: error.status, code: error.code });
    } else {
      logger.error('unexpected router failure', { errorName: (error as Error)?.name });
    }
    return responseForError(error, requestId);
  } finally {
    metrics.publishStoredMetrics();
    logger.removeKeys(['requestId']);
    afterResponse.handlerEnded();
  }
};

/** `X-Shadow: sampled`: the sample reached the queue, or was handed over to be sent after the answer. */
const SAMPLED_OUTCOMES: ReadonlySet<ShadowOutcome['outcome']> = new Set(['dispatched', 'deferred']);

function logServed(served: Served): void {
  // Ids, decisions and timings only: never the payload or the user id.
  const fields = {
    servedVariant: served.servedVariant,
    sticky: served.sticky,
    status: served.result.status,
    latencyMs: served.result.latencyMs,
    shadow: served.shadow.outcome,
    ...(served.result.error ? { modelError: served.result.error.code } : {}),
  };
  if (served.shadow.outcome === 'failed' || served.shadow.outcome === 'late')
    logDispatch(served.shadow, fields);
  else if (served.result.status === 'error') logger.warn('served model failed', fields);
  else if (served.result.status === 'client_error') logger.info('served model rejected the request', fields);
  else logger.debug('served', fields);
}

/**
 * A send counted late usually lands; when it fails after all, the sample is lost and counted as
 * a failed dispatch too, so every sample is accounted for. Not kept alive after the answer: on
 * Lambda it is reported if the environment runs again before the send's own timeouts end.
 */
function countIfLostAfterLate(outcome: ShadowOutcome, requestId: string): void {
  if (outcome.outcome !== 'late' || outcome.landed === undefined) return;
  void outcome.landed.then((landed) => {
    if (landed) return;
    metrics.addMetric(MetricName.ShadowDispatchFailed, 'Count', 1);
    logger.warn('shadow dispatch failed after it was counted late', { requestId });
    metrics.publishStoredMetrics();
  });
}

function logDispatch(outcome: ShadowOutcome, fields: Record<string, unknown>): void {
  if (outcome.outcome === 'failed') {
    logger.warn('shadow dispatch failed', { ...fields, errorName: outcome.errorName });
  } else if (outcome.outcome === 'late') logger.warn('shadow dispatch not confirmed within budget', fields);
}
