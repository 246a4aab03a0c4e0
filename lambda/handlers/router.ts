import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterResponse } from '../adapters/after-response';
import { sageMakerRuntimeClient, sqsClient } from '../adapters/clients';
import { powertoolsMetrics } from '../adapters/metrics';
import { modelInvoker } from '../adapters/model-endpoint';
import { runtimeKnobs, withExperiment } from '../adapters/runtime-config-store';
import { shadowDispatcher } from '../adapters/shadow-dispatcher';
import { userKeySalt } from '../adapters/user-key-salt';
import { ApiError, ModelFailureError } from '../core/errors';
import { responseForError } from '../core/http';
import { MetricName } from '../core/metric-names';
import { parsePredictRequest, requestIdOf } from '../core/predict-request';
import { AFTER_RESPONSE_DISPATCH_BUDGET_MS } from '../core/shadow-dispatch';
import { observability } from '../shared/observability';
import { routerSettings } from '../shared/settings';
import {
  type Served,
  type ServePredictionPorts,
  type ShadowOutcome,
  servePrediction,
} from '../use-cases/serve-prediction';

const settings = routerSettings(process.env);
const { logger, metrics, tracer } = observability('router');
metrics.captureColdStartMetric();

const modelClient = tracer.captureAWSv3Client(
  sageMakerRuntimeClient({
    maxAttempts: settings.modelMaxAttempts,
    attemptTimeoutMs: Math.ceil(settings.modelTimeoutMs / settings.modelMaxAttempts),
  }),
);
const knobs = settings.runtimeConfig
  ? runtimeKnobs({
      client: tracer.captureAWSv3Client(new DynamoDBClient({})),
      tableName: settings.runtimeConfig.tableName,
      deployTime: settings.routing,
      maxAgeSeconds: settings.runtimeConfig.maxAgeSeconds,
      firstReadTimeoutMs: 300,
      onError: (error) => {
        metrics.addMetric(MetricName.RuntimeConfigErrors, 'Count', 1);
        logger.warn('runtime config unavailable; using the last known or deploy-time values', {
          errorName: (error as Error)?.name,
        });
      },
    })
  : async () => withExperiment(settings.routing, undefined);
const userKeySaltOf = userKeySalt(settings.userKeySalt);
const queueClient = tracer.captureAWSv3Client(sqsClient());
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
    const request = parsePredictRequest(event, settings.maxPayloadBytes);
    requestId = request.requestId;
    logger.appendKeys({ requestId });
    const [runtime, salt] = await Promise.all([knobs(), userKeySaltOf()]);
    const served = await servePrediction(
      request,
      { ...settings.routing, ...runtime, userKeySalt: salt, modelTimeoutMs: settings.modelTimeoutMs },
      portsFor(request.requestId),
    );
    logServed(served);
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
  else logger.debug('served', fields);
}

function logDispatch(outcome: ShadowOutcome, fields: Record<string, unknown>): void {
  if (outcome.outcome === 'failed') {
    logger.warn('shadow dispatch failed', { ...fields, errorName: outcome.errorName });
  } else if (outcome.outcome === 'late') logger.warn('shadow dispatch not confirmed within budget', fields);
}
