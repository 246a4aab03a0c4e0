import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE } from '../core/metric-names';

/**
 * Logger, metrics and tracer for one Lambda, built once at cold start. Service name and
 * namespace come from POWERTOOLS_* variables set by the stack; the namespace has a default so
 * an alarm and an emitter can never disagree on it.
 */
export function observability(component: string) {
  const logger = new Logger({ persistentKeys: { component } });
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    // The ColdStart metric's `function_name` dimension: router and worker cold starts apart.
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  });
  const tracer = new Tracer();
  return { logger, metrics, tracer };
}
