import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricName } from '../core/metric-names';

/** What use cases need from metrics; the Powertools adapter below writes them as EMF. */
export interface MetricsPort {
  count(name: MetricName, value?: number): void;
  milliseconds(name: MetricName, value: number): void;
  /** A 0..1 value whose Average is a rate (e.g. agreement). */
  ratio(name: MetricName, value: number): void;
}

export function powertoolsMetrics(metrics: Metrics): MetricsPort {
  return {
    count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    ratio: (name, value) => metrics.addMetric(name, MetricUnit.NoUnit, value),
  };
}
