import type { APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDbClient, sageMakerRuntimeClient, sqsClient } from '../adapters/clients';
import { modelInvoker } from '../adapters/model-endpoint';
import { runtimeKnobs, withExperiment } from '../adapters/runtime-config-store';
import { shadowDispatcher } from '../adapters/shadow-dispatcher';
import { userKeySalt } from '../adapters/user-key-salt';
import { afterResponse } from '../after-response/registry';
import { functionObservability } from '../composition/lifecycle';
import { routerSettings } from '../configuration/function-settings';
import { ModelFailureError, ModelRejectedRequestError } from '../core/errors';
import { MetricName } from '../core/metric-names';
import { parsePredictRequest, requestIdOf } from '../core/predict-request';
import { AFTER_RESPONSE_DISPATCH_BUDGET_MS } from '../core/shadow-dispatch';
import { type Served, type ShadowOutcome, servePrediction } from '../use-cases/serve-prediction';

const settings = routerSettings(process.env);
const lifecycle = functionObservability('router');
const { logger, metrics } = lifecycle;

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
        metrics.count(MetricName.RuntimeConfigErrors);
        logger.warn('runtime config unavailable; using the last known or deploy-time values', {
          errorName: (error as Error)?.name,
        });
      },
      onDeadlineFallback: () => {
        metrics.count(MetricName.RuntimeConfigDeadlineFallbacks);
        logger.info('first runtime config read is slow; deploy-time values until it completes');
      },
    })
  : async () => withExperiment(settings, undefined);
const userKeySaltOf = userKeySalt(settings.userKeySaltSource);
const queueClient = sqsClient();
const ports = {
  invokeModel: modelInvoker(modelClient, settings.modelTimeoutMs),
  dispatchShadow: shadowDispatcher(queueClient, settings.shadowQueueUrl, settings.dispatchBudgetMs),
  metrics,
  now: () => new Date(),
};
/** After the answer nobody waits on the send, so it gets longer before it counts as late. */
const afterResponsePorts = {
  ...ports,
  dispatchShadow: shadowDispatcher(
    queueClient,
    settings.shadowQueueUrl,
    Math.max(settings.dispatchBudgetMs, AFTER_RESPONSE_DISPATCH_BUDGET_MS),
  ),
};

/**
 * `POST /predict`: validate, decide, invoke, dispatch, answer. Whether the answer waits for the
 * shadow dispatch is decided here alone: in `after-response` mode, once something keeps the
 * environment running after the answer (the extension registered, or local mode), the running
 * dispatch is handed over and logged, counted and flushed when it settles.
 */
export const handler = lifecycle.apiHandler(
  async (event): Promise<APIGatewayProxyResult> => {
    const request = parsePredictRequest(event, settings.maxPayloadBytes, settings.inputContract);
    const { requestId } = request;
    logger.appendKeys({ requestId });
    const handOver = settings.shadowDispatch === 'after-response' && afterResponse.active;
    const [runtime, salt] = await Promise.all([knobs(), userKeySaltOf()]);
    const served = await servePrediction(
      request,
      { ...settings, ...runtime, userKeySalt: salt },
      handOver ? afterResponsePorts : ports,
    );
    let sampled = served.shadow === 'sampled';
    if (handOver) {
      afterResponse.defer(
        served.dispatch.then((outcome) => {
          afterDispatch(outcome, { requestId, shadowDispatch: 'after-response' });
          lifecycle.flushMetrics();
        }),
      );
    } else {
      const outcome = await served.dispatch;
      afterDispatch(outcome, { requestId });
      sampled = outcome.outcome === 'dispatched';
    }
    logServed(served);
    // The error response carries the request id, as every answer does (requestIdOf).
    if (served.result.status === 'client_error') {
      throw Object.assign(
        new ModelRejectedRequestError(
          served.result.error?.httpStatus ?? 400,
          `The model rejected the request: ${served.result.error?.message || 'invalid input'}`,
        ),
        { requestId },
      );
    }
    if (served.result.status === 'error' && served.result.error) {
      throw Object.assign(
        new ModelFailureError(
          served.result.error.code,
          `The ${served.servedVariant} model failed (${served.result.error.code})`,
        ),
        { requestId },
      );
    }
    return {
      statusCode: 200,
      headers: {
        'Content-Type': served.result.contentType ?? 'application/octet-stream',
        'X-Request-Id': requestId,
        'X-Served-Variant': served.servedVariant,
        // The sample reached the queue, or was handed over to be sent after the answer.
        'X-Shadow': sampled ? 'sampled' : 'skipped',
      },
      body: served.result.body ?? '',
      isBase64Encoded: served.result.encoding === 'base64',
    };
  },
  {
    requestIdOf: (_event, error) => requestIdOf(error),
    onRejected: (error) => {
      if (!(error instanceof ModelFailureError)) metrics.count(MetricName.RejectedRequests);
    },
    after: () => afterResponse.handlerEnded(),
  },
);

function logServed(served: Served): void {
  // Ids, decisions and timings only: never the payload or the user id.
  const fields = {
    servedVariant: served.servedVariant,
    sticky: served.sticky,
    status: served.result.status,
    latencyMs: served.result.latencyMs,
    shadow: served.shadow,
    ...(served.result.error ? { modelError: served.result.error.code } : {}),
  };
  if (served.result.status === 'error') logger.warn('served model failed', fields);
  else if (served.result.status === 'client_error') logger.info('served model rejected the request', fields);
  else logger.debug('served', fields);
}

/**
 * Logs a failed or late dispatch. A send counted late usually lands; when it fails after all,
 * the sample is lost and counted as a failed dispatch too, so every sample is accounted for.
 * Not kept alive after the answer: on Lambda it is reported if the environment runs again
 * before the send's own timeouts end.
 */
function afterDispatch(outcome: ShadowOutcome, fields: Record<string, unknown>): void {
  if (outcome.outcome === 'failed') {
    logger.warn('shadow dispatch failed', { ...fields, errorName: outcome.errorName });
    return;
  }
  if (outcome.outcome !== 'late') return;
  logger.warn('shadow dispatch not confirmed within budget', fields);
  void outcome.landed?.then((landed) => {
    if (landed) return;
    metrics.count(MetricName.ShadowDispatchFailed);
    logger.warn('shadow dispatch failed after it was counted late', fields);
    lifecycle.flushMetrics();
  });
}
