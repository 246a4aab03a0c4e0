import type { MetricName } from '../../core/metric-names';

/** What use cases and handlers need from metrics; lambda/adapters/metrics.ts writes them as EMF. */
export interface MetricsPort {
  count(name: MetricName, value?: number): void;
  milliseconds(name: MetricName, value: number): void;
  /** A 0..1 value whose Average is a rate (e.g. agreement). */
  ratio(name: MetricName, value: number): void;
}
