import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsPort } from '../use-cases/ports/metrics';

/** The MetricsPort over Powertools Metrics: EMF on standard output, one unit per kind. */
export function powertoolsMetrics(metrics: Metrics): MetricsPort {
  return {
    count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    ratio: (name, value) => metrics.addMetric(name, MetricUnit.NoUnit, value),
  };
}
