import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../core/metric-names';

/**
 * Logger and metrics for one Lambda, built once at cold start. Service name and namespace come
 * from POWERTOOLS_* variables set by the stack; the namespace has a default so an alarm and an
 * emitter can never disagree on it.
 *
 * No tracer: Lambda's and API Gateway's active tracing record each invocation without an SDK,
 * and the SDK clients pass the trace header on (SQS keeps it; X-Ray links the worker's
 * invocation). Powertools' Tracer is built on the X-Ray SDK for Node.js (maintenance since
 * 2026-02-25, end of support 2027-02-25) and loading it enables async hooks for the whole
 * process (BENCHMARKS.md).
 */
export function observability(component: string) {
  const logger = new Logger({ persistentKeys: { component } });
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    // The ColdStart metric's `function_name` dimension: router and worker cold starts apart.
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  });
  return { logger, metrics };
}
