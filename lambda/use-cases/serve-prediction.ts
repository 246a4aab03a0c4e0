import { hashUserKey, isShadowSampled, servedVariantFor } from '../core/bucketing';
import { MetricName } from '../core/metric-names';
import type { ModelResult } from '../core/model-result';
import type { PredictRequest } from '../core/predict-request';
import type { RoutingKnobs } from '../core/runtime-config';
import { messageBytes, SHADOW_MESSAGE_VERSION, type ShadowMessage } from '../core/shadow-message';
import type { ServedVariant } from '../core/variants';
import type { MetricsPort } from './ports/metrics';
import type { InvokeModel } from './ports/models';
import type { DispatchResult, DispatchShadow } from './ports/shadow-queue';

/** The routing decision inputs: the runtime knobs plus the deploy-time secrets and limits. */
export interface RoutingConfig extends RoutingKnobs {
  readonly userKeySalt: string;
  readonly maxMessageBytes: number;
  /** The experiment these knobs belong to, stamped on every recorded request. */
  readonly experiment?: string;
  /** The served call's timeout, recorded so a failed call counts at least as the timeout. */
  readonly modelTimeoutMs?: number;
}

export interface ServePredictionPorts {
  readonly invokeModel: InvokeModel;
  readonly dispatchShadow: DispatchShadow;
  readonly metrics: MetricsPort;
  readonly now: () => Date;
}

/** How a request's shadow copy went: sent (or late, or failed), never sampled, or skipped and why. */
export type ShadowOutcome =
  | DispatchResult
  | { readonly outcome: 'not_sampled' }
  | { readonly outcome: 'skipped'; readonly reason: 'too_large' | 'no_candidates' | 'client_error' };

export interface Served {
  readonly result: ModelResult;
  readonly servedVariant: ServedVariant;
  /** Whether the request was keyed by a user id (sticky) or fell back to the request id. */
  readonly sticky: boolean;
  /** Whether a shadow copy is on its way (`sampled`), decided before answering. */
  readonly shadow: 'sampled' | 'not_sampled' | 'skipped';
  /**
   * The send of the shadow copy (or of the canary's record), already running: the caller awaits
   * it before answering or hands it over to run after the answer (it then needs something that
   * keeps the process running). Never rejects; its metrics are counted when it settles.
   */
  readonly dispatch: Promise<ShadowOutcome>;
}

/**
 * Answers one prediction request.
 * 1. Hash the user id (the raw id goes no further) and decide, each with its own salt, the
 *    served variant (sticky by user) and the shadow sample (by request id).
 * 2. Invoke the served endpoint; the client bounds time and retries.
 * 3. For a sampled, production-served request, dispatch the shadow message within the dispatch
 *    budget. While a canary runs, every other request is dispatched as a record without
 *    candidates, so both arms (canary and production) have outcomes to join, not only the
 *    shadow sample.
 *    The dispatch is returned running, not awaited: the handler decides whether the answer waits.
 *    A failure here is counted, never thrown: the caller's answer does not depend on it.
 *    A request the served model refused as the caller's mistake (`client_error`) is neither
 *    replayed nor recorded, and counts for no model.
 * 4. Return the served result and the dispatch.
 */
export async function servePrediction(
  request: PredictRequest,
  config: RoutingConfig,
  ports: ServePredictionPorts,
): Promise<Served> {
  const receivedAt = ports.now().toISOString();
  const userKey = request.userId === undefined ? null : hashUserKey(request.userId, config.userKeySalt);
  const canaryEndpoint = config.candidateEndpoints[0];
  const servedVariant: ServedVariant =
    canaryEndpoint !== undefined &&
    servedVariantFor(userKey ?? request.requestId, config.canaryPercent, config.userKeySalt) === 'canary'
      ? 'canary'
      : 'production';
  const sampled =
    servedVariant === 'production' &&
    config.shadowEnabled &&
    isShadowSampled(request.requestId, config.sampleRate, config.userKeySalt);

  const result = await ports.invokeModel(
    servedVariant === 'canary' ? (canaryEndpoint as string) : config.productionEndpoint,
    request,
  );
  recordServed(ports.metrics, servedVariant, result);
  if (userKey === null) ports.metrics.count(MetricName.UnstickyRequests);
  const sticky = userKey !== null;
  const canaryRunning = canaryEndpoint !== undefined && config.canaryPercent > 0;
  const notSampled = { outcome: 'not_sampled' } as const;
  if (!sampled && !canaryRunning)
    return { result, servedVariant, sticky, shadow: 'not_sampled', dispatch: Promise.resolve(notSampled) };
  // The caller's mistake is no evidence about either model: nothing to replay or record.
  if (result.status === 'client_error') {
    if (sampled) {
      ports.metrics.count(MetricName.ShadowSampled);
      ports.metrics.count(MetricName.ShadowSkipped);
    }
    return {
      result,
      servedVariant,
      sticky,
      shadow: sampled ? 'skipped' : 'not_sampled',
      dispatch: Promise.resolve(sampled ? { outcome: 'skipped', reason: 'client_error' } : notSampled),
    };
  }

  const message: ShadowMessage = {
    v: SHADOW_MESSAGE_VERSION,
    requestId: request.requestId,
    receivedAt,
    userKey,
    servedVariant,
    request: {
      contentType: request.contentType,
      accept: request.accept ?? '',
      body: request.body,
      encoding: request.encoding,
    },
    served: result,
    candidates: sampled ? config.candidateEndpoints : [],
    // shadowSampled is implied: a message without candidates is a record kept for outcome joins.
    // Undefined fields are left out of the message body (JSON).
    experiment: config.experiment,
    servedTimeoutMs: config.modelTimeoutMs,
  };
  if (sampled) {
    const skipped = shadowSkipReason(message, config, ports.metrics);
    if (skipped !== undefined)
      return { result, servedVariant, sticky, shadow: 'skipped', dispatch: Promise.resolve(skipped) };
  }
  return {
    result,
    servedVariant,
    sticky,
    shadow: sampled ? 'sampled' : 'not_sampled',
    dispatch: sampled ? dispatchShadowSample(message, ports) : recordForOutcomes(message, config, ports),
  };
}

/** Counts the sample and, when it cannot be sent, why: decided before answering, in every mode. */
function shadowSkipReason(
  message: ShadowMessage,
  config: RoutingConfig,
  metrics: MetricsPort,
): ShadowOutcome | undefined {
  metrics.count(MetricName.ShadowSampled);
  if (message.candidates.length === 0) {
    metrics.count(MetricName.ShadowSkipped);
    return { outcome: 'skipped', reason: 'no_candidates' };
  }
  if (messageBytes(message) > config.maxMessageBytes) {
    metrics.count(MetricName.ShadowSkipped);
    return { outcome: 'skipped', reason: 'too_large' };
  }
  return undefined;
}

async function dispatchShadowSample(
  message: ShadowMessage,
  ports: ServePredictionPorts,
): Promise<ShadowOutcome> {
  const result = await ports.dispatchShadow(message);
  ports.metrics.count(DISPATCH_METRIC[result.outcome]);
  return result;
}

const DISPATCH_METRIC = {
  dispatched: MetricName.ShadowDispatched,
  late: MetricName.ShadowDispatchLate,
  failed: MetricName.ShadowDispatchFailed,
} as const;

/** A request recorded without a replay while a canary runs, so its outcome can be joined later. */
async function recordForOutcomes(
  message: ShadowMessage,
  config: RoutingConfig,
  ports: ServePredictionPorts,
): Promise<ShadowOutcome> {
  // The body is not needed to join an outcome; drop it when the message would not fit.
  const fitted =
    messageBytes(message) > config.maxMessageBytes
      ? { ...message, request: { ...message.request, body: '' } }
      : message;
  const result = await ports.dispatchShadow(fitted);
  // A late record most likely lands; only a failed send is counted as lost.
  const canary = message.servedVariant === 'canary';
  ports.metrics.count(
    result.outcome === 'failed'
      ? canary
        ? MetricName.CanaryRecordFailed
        : MetricName.ProductionRecordFailed
      : canary
        ? MetricName.CanaryRecorded
        : MetricName.ProductionRecorded,
  );
  return { outcome: 'not_sampled' };
}

function recordServed(metrics: MetricsPort, variant: ServedVariant, result: ModelResult): void {
  const canary = variant === 'canary';
  metrics.count(MetricName.PredictRequests);
  if (canary) metrics.count(MetricName.CanaryServed);
  // Neither a failure nor a success of the model: kept out of its latency and error rate.
  if (result.status === 'client_error') {
    metrics.count(MetricName.ModelRejectedRequests);
    return;
  }
  metrics.milliseconds(canary ? MetricName.CanaryLatency : MetricName.ProductionLatency, result.latencyMs);
  metrics.count(
    canary ? MetricName.CanaryErrors : MetricName.ProductionErrors,
    result.status === 'error' ? 1 : 0,
  );
}
