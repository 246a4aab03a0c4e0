import { Duration } from 'aws-cdk-lib';
import {
  ComparisonOperator,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  type IWidget,
  Row,
  TreatMissingData,
  type YAxisProps,
} from 'aws-cdk-lib/aws-cloudwatch';
import {
  type AddAlarmProps,
  type AlarmFactory,
  type AlarmWithAnnotation,
  type BaseMonitoringProps,
  CountAxisFromZero,
  DefaultGraphWidgetHeight,
  HalfWidth,
  type IAlarmActionStrategy,
  type MetricWithAlarmSupport,
  Monitoring,
  MonitoringHeaderWidget,
  type MonitoringScope,
  QuarterWidth,
  RateAxisFromZeroToOne,
  ThirdWidth,
  TimeAxisMillisFromZero,
} from 'cdk-monitoring-constructs';
import { MetricName } from '../../lambda/core/metric-names';
import type { AlarmSettings, Guardrails } from '../config/stage-config';
import { CANARY_GUARDRAIL_ALARM_SUFFIXES } from './canary-guardrail-alarms';
import { GuardrailMetricFactory, type ModelRole } from './guardrail-metric-factory';

/** Severity, as the alarm name's last part: Critical affects callers or the rollout, Warning the evidence. */
export type Severity = 'Critical' | 'Warning';

export interface GuardrailMonitoringProps extends BaseMonitoringProps {
  /** Powertools service name of the stage (the `service` dimension of the custom metrics). */
  readonly serviceName: string;
  /** Verdict thresholds: candidate and canary latency, error rates, agreement, conversion drop. */
  readonly guardrails: Guardrails;
  /** Periods and the thresholds that are not verdict guardrails. */
  readonly alarms: AlarmSettings;
  /**
   * What a canary guardrail alarm does (typically notify and trigger the automatic rollback).
   * @default - the facade's default action
   */
  readonly canaryGuardrailAction?: IAlarmActionStrategy;
}

/**
 * Alarms and graphs on the rollout's own metrics: how production, the shadow candidate and the
 * canary answer, whether they agree, whether the canary converts as well as production, and
 * whether shadow samples flow. The canary guardrail alarms also end the canary.
 */
export class GuardrailMonitoring extends Monitoring {
  /** Alarms that roll the canary back when they fire. */
  readonly canaryGuardrailAlarms: AlarmWithAnnotation[] = [];

  private readonly title: string;
  private readonly minConversionTraffic: number;
  private readonly minSamples: number;
  private readonly metrics: GuardrailMetricFactory;
  private readonly annotations = {
    latency: { production: [], candidate: [], canary: [] } as Record<ModelRole, HorizontalAnnotation[]>,
    latencyIncrease: [] as HorizontalAnnotation[],
    errorRate: [] as HorizontalAnnotation[],
    agreement: [] as HorizontalAnnotation[],
    conversionDrop: [] as HorizontalAnnotation[],
    dispatchFailureRate: [] as HorizontalAnnotation[],
    runtimeConfig: [] as HorizontalAnnotation[],
  };

  constructor(scope: MonitoringScope, props: GuardrailMonitoringProps) {
    super(scope, props);
    const { guardrails: g, alarms } = props;
    this.title = props.serviceName;
    this.minConversionTraffic = g.minConversionTraffic;
    this.minSamples = alarms.minSamplesPerPeriod;
    const conversionPeriod = Duration.minutes(alarms.conversionPeriodMinutes);
    this.metrics = new GuardrailMetricFactory(scope.createMetricFactory(), {
      serviceName: props.serviceName,
      conversionPeriod,
    });
    const m = this.metrics;
    const production = this.createAlarmFactory('Production');
    const candidate = this.createAlarmFactory('Candidate');
    const canary = this.createAlarmFactory('Canary');
    const shadow = this.createAlarmFactory('Shadow');
    const runtimeConfig = this.createAlarmFactory('RuntimeConfig');
    const rollback =
      props.canaryGuardrailAction === undefined ? {} : { actionOverride: props.canaryGuardrailAction };

    const minSamples = alarms.minSamplesPerPeriod;

    // Missing data: no production answers means no traffic, which is not slowness; datapoints
    // with fewer than alarms.minSamplesPerPeriod calls are dropped (their p99 is just their maximum).
    this.annotations.latency.production.push(
      this.alarm(production, m.metricLatencyP99WithMinSamples('production', minSamples), 'Critical', {
        alarmNameSuffix: 'LatencyP99',
        alarmDescription:
          'Production model p99 latency, as callers see it, is above alarms.productionP99LatencyMs.',
        threshold: alarms.productionP99LatencyMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    // Missing data: no shadow replays (shadow off, sampling paused) is no evidence against the
    // candidate; too few replays in a datapoint are dropped as above.
    this.annotations.latency.candidate.push(
      this.alarm(candidate, m.metricLatencyP99WithMinSamples('candidate', minSamples), 'Warning', {
        alarmNameSuffix: 'LatencyP99',
        alarmDescription:
          'Candidate p99 latency in shadow is above guardrails.maxP99LatencyMs: it would not be promoted.',
        threshold: g.maxP99LatencyMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    // Missing data: the difference exists only when both had enough calls in the period; a
    // period without both is no comparison, not a breach.
    this.annotations.latencyIncrease.push(
      this.alarm(candidate, m.metricCandidateLatencyIncreaseP99(minSamples), 'Warning', {
        alarmNameSuffix: 'LatencyP99Increase',
        alarmDescription:
          'Candidate p99 exceeds production p99 by more than guardrails.maxLatencyIncreaseMs: it would not be promoted.',
        threshold: g.maxLatencyIncreaseMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    // Missing data: every production call emits 0 or 1, so no data means no calls. A router that
    // cannot run at all is caught by the API 5xx and Lambda error alarms instead.
    this.annotations.errorRate.push(
      this.alarm(production, m.metricErrorRate('production'), 'Critical', {
        alarmNameSuffix: 'ErrorRate',
        alarmDescription: 'Share of production model calls that fail is above guardrails.maxErrorRate.',
        threshold: g.maxErrorRate,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    // Missing data: no replays, no candidate errors to judge.
    this.annotations.errorRate.push(
      this.alarm(candidate, m.metricErrorRate('candidate'), 'Warning', {
        alarmNameSuffix: 'ErrorRate',
        alarmDescription: 'Share of candidate calls in shadow that fail is above guardrails.maxErrorRate.',
        threshold: g.maxErrorRate,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    // Canary guardrails. Missing data must never breach: with the canary at 0 % there is no
    // canary data at all, and a breaching default would keep "rolling back" a canary that is off.
    const canaryErrorRate = this.alarm(canary, m.metricErrorRate('canary'), 'Critical', {
      alarmNameSuffix: CANARY_GUARDRAIL_ALARM_SUFFIXES.errorRate,
      alarmDescription:
        'Share of canary calls that fail is above guardrails.maxErrorRate. The canary is rolled back automatically.',
      threshold: g.maxErrorRate,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      ...rollback,
    });
    this.annotations.errorRate.push(canaryErrorRate.annotation);

    // Missing data: as above, and datapoints with too few canary calls are dropped.
    const canaryLatency = this.alarm(
      canary,
      m.metricLatencyP99WithMinSamples('canary', minSamples),
      'Critical',
      {
        alarmNameSuffix: CANARY_GUARDRAIL_ALARM_SUFFIXES.latencyP99,
        alarmDescription:
          'Canary p99 latency is above guardrails.maxP99LatencyMs. The canary is rolled back automatically.',
        threshold: g.maxP99LatencyMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        ...rollback,
      },
    );
    this.annotations.latency.canary.push(canaryLatency.annotation);

    // One datapoint per conversion period: outcomes are sparse and late, so the decision is per
    // window. Missing data: the expression yields nothing unless both variants reached
    // guardrails.minConversionTraffic outcomes, so a quiet window neither pages nor rolls back.
    const conversionDrop = this.alarm(
      canary,
      m.metricConversionDropWithMinTraffic(g.minConversionTraffic),
      'Critical',
      {
        alarmNameSuffix: CANARY_GUARDRAIL_ALARM_SUFFIXES.conversionDrop,
        alarmDescription:
          'Canary conversion rate is below production by more than guardrails.maxConversionDrop, with both variants at guardrails.minConversionTraffic outcomes or more. The canary is rolled back automatically.',
        threshold: g.maxConversionDrop,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
        ...rollback,
      },
    );
    this.annotations.conversionDrop.push(conversionDrop.annotation);
    this.canaryGuardrailAlarms.push(canaryErrorRate, canaryLatency, conversionDrop);

    // Missing data: datapoints with fewer than alarms.minSamplesPerPeriod comparisons are dropped
    // by the expression; too little evidence is not disagreement.
    this.annotations.agreement.push(
      this.alarm(candidate, m.metricAgreementRateWithMinSamples(minSamples), 'Warning', {
        alarmNameSuffix: 'AgreementLow',
        alarmDescription:
          'Candidate agrees with production less often than guardrails.minAgreement (compare with the noise baseline on the dashboard).',
        threshold: g.minAgreement,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    // Missing data: nothing dispatched, nothing failed.
    this.annotations.dispatchFailureRate.push(
      this.alarm(shadow, m.metricShadowDispatchFailureRate(), 'Warning', {
        alarmNameSuffix: 'DispatchFailureRate',
        alarmDescription:
          'Share of shadow samples the router could not send to the queue within its budget is above alarms.maxShadowDispatchFailureRate: evidence is being lost (callers are not affected).',
        threshold: alarms.maxShadowDispatchFailureRate,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    // Missing data: the counter is emitted only on failures, so no data is the healthy case.
    this.annotations.runtimeConfig.push(
      this.alarm(runtimeConfig, m.metricCount(MetricName.RuntimeConfigErrors), 'Critical', {
        alarmNameSuffix: 'ReadErrors',
        alarmDescription:
          'The router cannot read the runtime config: it serves the last known or deploy-time routing, so a promote, rollback or kill switch does not take effect.',
        threshold: alarms.maxRuntimeConfigErrors,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).annotation,
    );

    props.useCreatedAlarms?.consume(this.createdAlarms());
  }

  widgets(): IWidget[] {
    const m = this.metrics;
    const latency = (model: ModelRole, title: string) =>
      new GraphWidget({
        width: ThirdWidth,
        height: DefaultGraphWidgetHeight,
        title,
        left: (['p50', 'p90', 'p99'] as const).map((p) => m.metricLatency(model, p)),
        leftYAxis: TimeAxisMillisFromZero,
        leftAnnotations: this.annotations.latency[model],
      });
    const graph = (
      width: number,
      title: string,
      left: IMetric[],
      leftYAxis: YAxisProps,
      leftAnnotations: HorizontalAnnotation[] = [],
    ) =>
      new GraphWidget({ width, height: DefaultGraphWidgetHeight, title, left, leftYAxis, leftAnnotations });

    return [
      new MonitoringHeaderWidget({ family: 'Rollout guardrails', title: this.title }),
      new Row(
        latency('production', 'Production latency (served)'),
        latency('candidate', 'Candidate latency (shadow)'),
        latency('canary', 'Canary latency (served)'),
      ),
      new Row(
        graph(
          ThirdWidth,
          'Candidate p99 - production p99',
          [m.metricCandidateLatencyIncreaseP99(this.minSamples)],
          TimeAxisMillisFromZero,
          this.annotations.latencyIncrease,
        ),
        graph(
          ThirdWidth,
          'Error rates',
          (['production', 'candidate', 'canary'] as const).map((model) => m.metricErrorRate(model)),
          RateAxisFromZeroToOne,
          this.annotations.errorRate,
        ),
        graph(
          ThirdWidth,
          'Agreement with production',
          [m.metricAgreementRate(), m.metricNoiseBaselineAgreementRate()],
          RateAxisFromZeroToOne,
          this.annotations.agreement,
        ),
      ),
      new Row(
        graph(
          ThirdWidth,
          'Conversion rate per served variant',
          [m.metricConversionRate('production'), m.metricConversionRate('canary')],
          RateAxisFromZeroToOne,
        ),
        graph(
          ThirdWidth,
          'Conversion drop (production - canary)',
          [m.metricConversionDropWithMinTraffic(this.minConversionTraffic)],
          { showUnits: false },
          this.annotations.conversionDrop,
        ),
        graph(
          ThirdWidth,
          'Joined outcomes per served variant',
          [m.metricOutcomeCount('production'), m.metricOutcomeCount('canary')],
          CountAxisFromZero,
        ),
      ),
      new Row(
        graph(
          HalfWidth,
          'Label accuracy per model (labelled outcomes)',
          [
            m.metricRate(MetricName.ProductionLabelCorrect, 'Production'),
            m.metricRate(MetricName.CandidateLabelCorrect, 'Candidate (shadow)'),
            m.metricRate(MetricName.CanaryLabelCorrect, 'Candidate (canary-served)'),
          ],
          RateAxisFromZeroToOne,
        ),
        graph(
          HalfWidth,
          'Requests: all, canary-served, without a user id (not sticky)',
          [
            m.metricCount(MetricName.PredictRequests, 'Requests'),
            m.metricCount(MetricName.CanaryServed, 'Canary-served'),
            m.metricCount(MetricName.UnstickyRequests, 'Without X-User-Id'),
          ],
          CountAxisFromZero,
        ),
      ),
      new Row(
        graph(
          HalfWidth,
          'Shadow samples: sampled, dispatched, compared, dropped',
          [
            m.metricCount(MetricName.ShadowSampled, 'Sampled'),
            m.metricCount(MetricName.ShadowDispatched, 'Dispatched'),
            m.metricCount(MetricName.Compared, 'Compared'),
            m.metricCount(MetricName.ShadowSkipped, 'Skipped (too large, no candidate)'),
            m.metricCount(MetricName.ShadowDispatchLate, 'Dispatch late (not confirmed in budget)'),
            m.metricCount(MetricName.ShadowDispatchFailed, 'Dispatch failed'),
            m.metricCount(MetricName.InvalidShadowMessages, 'Invalid messages'),
            m.metricCount(MetricName.DuplicateDeliveries, 'Duplicate deliveries'),
            m.metricCount(MetricName.CandidateThrottled, 'Candidate throttled'),
            m.metricCount(MetricName.CanaryRecorded, 'Canary recorded'),
            m.metricCount(MetricName.CanaryRecordFailed, 'Canary record failed'),
          ],
          CountAxisFromZero,
        ),
        graph(
          QuarterWidth,
          'Shadow dispatch failure rate',
          [m.metricShadowDispatchFailureRate()],
          RateAxisFromZeroToOne,
          this.annotations.dispatchFailureRate,
        ),
        graph(
          QuarterWidth,
          'Runtime config errors, automatic rollbacks',
          [
            m.metricCount(MetricName.RuntimeConfigErrors, 'Runtime config read errors'),
            m.metricCount(MetricName.AutomaticRollbacks, 'Automatic rollbacks'),
          ],
          CountAxisFromZero,
          this.annotations.runtimeConfig,
        ),
      ),
    ];
  }

  private alarm(
    factory: AlarmFactory,
    metric: MetricWithAlarmSupport,
    severity: Severity,
    props: Omit<AddAlarmProps, 'disambiguator'>,
  ): AlarmWithAnnotation {
    const created = factory.addAlarm(metric, { ...props, disambiguator: severity });
    this.addAlarm(created);
    return created;
  }
}
