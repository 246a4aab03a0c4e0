import type { Duration } from 'aws-cdk-lib';
import {
  ComparisonOperator,
  GraphWidget,
  type HorizontalAnnotation,
  type IWidget,
  Row,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import {
  type AddAlarmProps,
  type AlarmFactory,
  type BaseMonitoringProps,
  CountAxisFromZero,
  DefaultGraphWidgetHeight,
  type MetricFactory,
  MetricStatistic,
  type MetricWithAlarmSupport,
  Monitoring,
  MonitoringHeaderWidget,
  type MonitoringScope,
  RateAxisFromZeroToOne,
  ThirdWidth,
  TimeAxisSecondsFromZero,
} from 'cdk-monitoring-constructs';
import { METRICS_NAMESPACE, MetricName } from '../../lambda/core/metric-names';

export interface EvidenceStreamRef {
  /** `Records` or `Outcomes`: part of the alarm names. */
  readonly name: string;
  readonly deliveryStreamName: string;
}

export interface EvidenceLogMonitoringProps extends BaseMonitoringProps {
  /** Powertools service name of the stage (the `service` dimension of the custom metrics). */
  readonly serviceName: string;
  readonly streams: readonly EvidenceStreamRef[];
  /** The streams' buffering interval: objects are normally at most this old when written. */
  readonly bufferingInterval: Duration;
}

/**
 * How much later than its buffer a line may reach S3 before the log counts as stalled: Firehose
 * retries a failing S3 delivery for up to a day, and a report reads what is delivered.
 */
export const FRESHNESS_SLACK_SECONDS = 15 * 60;

/**
 * Alarms and graphs of the evidence log: lines the functions could not append (after the
 * adapter's retries: the worker's message is redelivered, the outcome caller got a 503), and
 * Firehose's delivery to S3 (freshness, success) per stream. A report reads only what reached
 * S3, so a stalled stream makes the verdict's evidence stale without any function failing.
 */
export class EvidenceLogMonitoring extends Monitoring {
  private readonly metricFactory: MetricFactory;
  private readonly serviceName: string;
  private readonly streams: readonly EvidenceStreamRef[];
  private readonly annotations = {
    failures: [] as HorizontalAnnotation[],
    freshness: [] as HorizontalAnnotation[],
    success: [] as HorizontalAnnotation[],
  };

  constructor(scope: MonitoringScope, props: EvidenceLogMonitoringProps) {
    super(scope, props);
    this.metricFactory = scope.createMetricFactory();
    this.serviceName = props.serviceName;
    this.streams = props.streams;
    const evidence = this.createAlarmFactory('Evidence');

    // Missing data: the counter is emitted only on failures, so no data is the healthy case.
    this.annotations.failures.push(
      this.alarm(evidence, this.metricCount(MetricName.EvidenceAppendFailures, 'Append failures'), {
        alarmNameSuffix: 'AppendFailures',
        alarmDescription:
          'Evidence lines were not appended after the adapter’s retries: the worker’s shadow samples are redelivered and outcome posters got 503s. While it lasts, reports lag behind the comparisons stored in DynamoDB.',
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    const freshnessLimit = props.bufferingInterval.toSeconds() + FRESHNESS_SLACK_SECONDS;
    for (const stream of props.streams) {
      const streamAlarms = this.createAlarmFactory(`Evidence${stream.name}Delivery`);
      // Missing data: no lines appended, nothing to deliver.
      this.annotations.freshness.push(
        this.alarm(streamAlarms, this.metricFreshness(stream), {
          alarmNameSuffix: 'DataFreshness',
          alarmDescription: `The oldest ${stream.name.toLowerCase()} line in Firehose is older than the buffer interval plus ${FRESHNESS_SLACK_SECONDS / 60} minutes: delivery to S3 is failing or throttled, and reports miss recent evidence.`,
          threshold: freshnessLimit,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
      this.annotations.success.push(
        this.alarm(streamAlarms, this.metricDeliverySuccess(stream), {
          alarmNameSuffix: 'DeliverySuccess',
          alarmDescription: `Some ${stream.name.toLowerCase()} objects failed to reach S3 (permissions, key, bucket): Firehose retries, then writes the lines under delivery-errors/ where no report reads them.`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }

  widgets(): IWidget[] {
    return [
      new MonitoringHeaderWidget({ family: 'Evidence log', title: this.serviceName }),
      new Row(
        new GraphWidget({
          width: ThirdWidth,
          height: DefaultGraphWidgetHeight,
          title: 'Lines appended, retried, failed',
          left: [
            this.metricCount(MetricName.EvidenceLinesAppended, 'Appended'),
            this.metricCount(MetricName.EvidenceAppendRetries, 'Retries'),
            this.metricCount(MetricName.EvidenceAppendFailures, 'Append failures'),
          ],
          leftYAxis: CountAxisFromZero,
          leftAnnotations: this.annotations.failures,
        }),
        new GraphWidget({
          width: ThirdWidth,
          height: DefaultGraphWidgetHeight,
          title: 'Oldest line not yet in S3',
          left: this.streams.map((stream) => this.metricFreshness(stream)),
          leftYAxis: TimeAxisSecondsFromZero,
          leftAnnotations: this.annotations.freshness,
        }),
        new GraphWidget({
          width: ThirdWidth,
          height: DefaultGraphWidgetHeight,
          title: 'Deliveries to S3 that succeeded',
          left: this.streams.map((stream) => this.metricDeliverySuccess(stream)),
          leftYAxis: RateAxisFromZeroToOne,
          leftAnnotations: this.annotations.success,
        }),
      ),
    ];
  }

  private metricCount(name: MetricName, label: string): MetricWithAlarmSupport {
    return this.metricFactory.createMetric(
      name,
      MetricStatistic.SUM,
      label,
      { service: this.serviceName },
      undefined,
      METRICS_NAMESPACE,
    );
  }

  private metricFreshness(stream: EvidenceStreamRef): MetricWithAlarmSupport {
    return this.metricFactory.createMetric(
      'DeliveryToS3.DataFreshness',
      MetricStatistic.MAX,
      `${stream.name}: oldest line (s)`,
      { DeliveryStreamName: stream.deliveryStreamName },
      undefined,
      'AWS/Firehose',
    );
  }

  private metricDeliverySuccess(stream: EvidenceStreamRef): MetricWithAlarmSupport {
    return this.metricFactory.createMetric(
      'DeliveryToS3.Success',
      MetricStatistic.AVERAGE,
      `${stream.name}: delivery success`,
      { DeliveryStreamName: stream.deliveryStreamName },
      undefined,
      'AWS/Firehose',
    );
  }

  private alarm(
    factory: AlarmFactory,
    metric: MetricWithAlarmSupport,
    props: Omit<AddAlarmProps, 'disambiguator'>,
  ) {
    const created = factory.addAlarm(metric, { ...props, disambiguator: 'Warning' });
    this.addAlarm(created);
    return created.annotation;
  }
}
