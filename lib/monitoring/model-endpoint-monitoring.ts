import { Duration } from 'aws-cdk-lib';
import {
  ComparisonOperator,
  GraphWidget,
  type HorizontalAnnotation,
  type IWidget,
  Row,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import {
  type AlarmWithAnnotation,
  type BaseMonitoringProps,
  DefaultGraphWidgetHeight,
  type MetricFactory,
  MetricStatistic,
  type MetricWithAlarmSupport,
  Monitoring,
  MonitoringHeaderWidget,
  type MonitoringScope,
  PercentageAxisFromZeroToHundred,
  QuarterWidth,
  RateAxisFromZeroToOne,
  TimeAxisMillisFromZero,
} from 'cdk-monitoring-constructs';
import type { AlarmSize, SizedAlarm } from './alarm-sizing';
import type { Severity } from './guardrail-monitoring';

/** One SageMaker endpoint the stage calls, with its production variants. */
export interface MonitoredEndpoint {
  readonly endpointName: string;
  readonly variants: readonly string[];
  /** The deploy-time role: production answers callers, candidates are replayed (or the canary). */
  readonly role: 'production' | 'candidate';
}

export interface ModelEndpointMonitoringProps extends BaseMonitoringProps {
  readonly endpoints: readonly MonitoredEndpoint[];
  /** Max share (0..1) of invocations answered 5xx by a production endpoint. */
  readonly maxProductionErrorRate: number;
  /** Max share (0..1) of invocations answered 5xx by a candidate endpoint. */
  readonly maxCandidateErrorRate: number;
  /** Max p99 ModelLatency (ms) of a production endpoint. */
  readonly maxProductionLatencyP99Ms: number;
  /** Max p99 ModelLatency (ms) of a candidate endpoint. */
  readonly maxCandidateLatencyP99Ms: number;
  /** Period and minimum samples of the endpoint alarms (alarm-sizing.ts). */
  readonly sizes: Record<SizedAlarm, AlarmSize>;
}

const SAGEMAKER = 'AWS/SageMaker';
/** Instance metrics of real-time endpoints (percent; per EndpointName and VariantName). */
const ENDPOINT_INSTANCES = '/aws/sagemaker/Endpoints';
const RESOURCE_METRICS = [
  ['CPUUtilization', 'CPU utilization (%, 100 per vCPU)'],
  ['MemoryUtilization', 'Memory utilization (%)'],
  ['GPUUtilization', 'GPU utilization (%, 100 per GPU)'],
  ['GPUMemoryUtilization', 'GPU memory utilization (%)'],
] as const;

/**
 * The endpoints' own view, from SageMaker per endpoint and variant: 5xx answers and ModelLatency
 * (the container's time, without the network and the router), alarmed like the router's
 * guardrails and sized the same way; and their resource usage (CPU, memory, GPU) drawn side by
 * side, production next to the candidates, since a candidate that answers as well but needs
 * twice the hardware is worth knowing about before it is promoted.
 */
export class ModelEndpointMonitoring extends Monitoring {
  private readonly endpoints: readonly MonitoredEndpoint[];
  private readonly factory: MetricFactory;
  private readonly errorAnnotations: HorizontalAnnotation[] = [];
  private readonly latencyAnnotations: HorizontalAnnotation[] = [];
  private readonly errorRates: MetricWithAlarmSupport[] = [];
  private readonly latencies: MetricWithAlarmSupport[] = [];

  constructor(scope: MonitoringScope, props: ModelEndpointMonitoringProps) {
    super(scope, props);
    this.endpoints = props.endpoints;
    this.factory = scope.createMetricFactory();
    for (const endpoint of props.endpoints) {
      const production = endpoint.role === 'production';
      const severity: Severity = production ? 'Critical' : 'Warning';
      const errorSize =
        props.sizes[production ? 'ProductionEndpointErrorRate' : 'CandidateEndpointErrorRate'];
      const latencySize =
        props.sizes[production ? 'ProductionEndpointLatencyP99' : 'CandidateEndpointLatencyP99'];
      for (const variant of endpoint.variants) {
        const alarms = this.createAlarmFactory(`Endpoint-${endpoint.endpointName}-${variant}`);
        const label = `${endpoint.endpointName}/${variant}`;
        const { rate: errorRate, invocationsId } = this.endpointErrorRate(
          endpoint.endpointName,
          variant,
          errorSize,
          this.errorRates.length,
        );
        const latencyMicros = this.endpointMetric(
          endpoint.endpointName,
          variant,
          'ModelLatency',
          MetricStatistic.P99,
          `${label} p99`,
          Duration.minutes(latencySize.periodMinutes),
        );
        // ModelLatency is in microseconds; the thresholds are the router's (ms).
        const micros = `latency${this.latencies.length}`;
        const latency = this.factory.createMetricMath(
          `${micros} / 1000`,
          { [micros]: latencyMicros },
          `${label} p99 (ms)`,
          undefined,
          Duration.minutes(latencySize.periodMinutes),
        );
        this.errorRates.push(errorRate);
        this.latencies.push(latency);
        // Missing data: an endpoint nobody invoked (a candidate while shadow is off) answered nothing.
        this.errorAnnotations.push(
          this.add(
            alarms.addAlarm(errorRate, {
              alarmNameSuffix: 'Invocation5XXRate',
              disambiguator: severity,
              alarmDescription: `Share of invocations of ${label} (${endpoint.role} at deploy time) that SageMaker answered 5xx is above the error guardrail.`,
              threshold: production ? props.maxProductionErrorRate : props.maxCandidateErrorRate,
              comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
              treatMissingData: TreatMissingData.NOT_BREACHING,
              // The library's minimum-sample option, counted in invocations: "at least N" is > N - 1.
              minSampleCountToEvaluateDatapoint: errorSize.minSamples - 1,
              sampleCountMetricId: invocationsId,
            }),
          ).annotation,
        );
        const maxMs = production ? props.maxProductionLatencyP99Ms : props.maxCandidateLatencyP99Ms;
        this.latencyAnnotations.push(
          this.add(
            alarms.addAlarm(latency, {
              alarmNameSuffix: 'ModelLatencyP99',
              disambiguator: severity,
              alarmDescription: `p99 ModelLatency of ${label} (${endpoint.role} at deploy time), the container's own time, is above ${maxMs} ms.`,
              threshold: maxMs,
              comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
              treatMissingData: TreatMissingData.NOT_BREACHING,
              minSampleCountToEvaluateDatapoint: latencySize.minSamples - 1,
            }),
          ).annotation,
        );
      }
    }
    props.useCreatedAlarms?.consume(this.createdAlarms());
  }

  widgets(): IWidget[] {
    const perVariant = (name: string, label: string) =>
      this.endpoints
        .flatMap((e) =>
          e.variants.map((v) =>
            this.endpointMetric(
              e.endpointName,
              v,
              name,
              MetricStatistic.AVERAGE,
              `${e.endpointName}/${v} (${e.role})`,
              undefined,
              ENDPOINT_INSTANCES,
            ),
          ),
        )
        .map((metric) => metric.with({ label: `${label}: ${metric.label}` }));
    return [
      new MonitoringHeaderWidget({ family: 'SageMaker endpoints', title: 'Production and candidates' }),
      new Row(
        new GraphWidget({
          width: QuarterWidth * 2,
          height: DefaultGraphWidgetHeight,
          title: 'Endpoint 5xx rate (SageMaker)',
          left: this.errorRates,
          leftYAxis: RateAxisFromZeroToOne,
          leftAnnotations: this.errorAnnotations,
        }),
        new GraphWidget({
          width: QuarterWidth * 2,
          height: DefaultGraphWidgetHeight,
          title: 'Endpoint ModelLatency p99 (ms, the container alone)',
          left: this.latencies,
          leftYAxis: TimeAxisMillisFromZero,
          leftAnnotations: this.latencyAnnotations,
        }),
      ),
      new Row(
        ...RESOURCE_METRICS.map(
          ([name, title]) =>
            new GraphWidget({
              width: QuarterWidth,
              height: DefaultGraphWidgetHeight,
              title,
              left: perVariant(name, name),
              leftYAxis:
                name.startsWith('GPU') || name === 'CPUUtilization'
                  ? { min: 0, showUnits: false }
                  : PercentageAxisFromZeroToHundred,
            }),
        ),
      ),
    ];
  }

  private add(alarm: AlarmWithAnnotation): AlarmWithAnnotation {
    this.addAlarm(alarm);
    return alarm;
  }

  /** Share of invocations answered 5xx, and the id of the invocations it divides by. */
  private endpointErrorRate(
    endpointName: string,
    variant: string,
    size: AlarmSize,
    index: number,
  ): { rate: MetricWithAlarmSupport; invocationsId: string } {
    const period = Duration.minutes(size.periodMinutes);
    // Ids differ per endpoint: one graph draws the rates of all of them.
    const [invocations, errors] = [`invocations${index}`, `errors${index}`];
    const rate = this.factory.createMetricMath(
      `FILL(${errors}, 0) / ${invocations}`,
      {
        [invocations]: this.endpointMetric(
          endpointName,
          variant,
          'Invocations',
          MetricStatistic.SUM,
          'Invocations',
          period,
        ),
        [errors]: this.endpointMetric(
          endpointName,
          variant,
          'Invocation5XXErrors',
          MetricStatistic.SUM,
          '5xx',
          period,
        ),
      },
      `${endpointName}/${variant} 5xx rate (>= ${size.minSamples} invocations)`,
      undefined,
      period,
    );
    return { rate, invocationsId: invocations };
  }

  private endpointMetric(
    endpointName: string,
    variant: string,
    name: string,
    statistic: MetricStatistic,
    label: string,
    period?: Duration,
    namespace: string = SAGEMAKER,
  ): MetricWithAlarmSupport {
    return this.factory.createMetric(
      name,
      statistic,
      label,
      { EndpointName: endpointName, VariantName: variant },
      undefined,
      namespace,
      period,
    );
  }
}
