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
  MetricStatistic,
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
import type { AlarmSize, SizedAlarm } from './alarm-sizing';
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
  /** Period and minimum samples of each rate and percentile alarm (alarm-sizing.ts). */
  readonly sizes: Record<SizedAlarm, AlarmSize>;
  /**
   * The API stage whose POST /predict requests the heartbeat compares with the router's own
   * PredictRequests metric (API Gateway's per-method metrics, on in the stage).
   */
  readonly api: { readonly apiName: string; readonly stage: string };
  /**
   * What a canary guardrail alarm does (typically notify and trigger the automatic rollback).
   * @default - the facade's default action
   */
  readonly canaryGuardrailAction?: IAlarmActionStrategy;
}

/**
 * Alarms and graphs on the rollout's own metrics: how production, the shadow candidate and the
 * canary answer, whether they agree, whether the canary converts as well as production, whether
 * shadow samples flow, and whether the metrics arrive at all (heartbeat). The canary guardrail
 * alarms also end the canary.
 *
 * Every rate and percentile alarm judges a datapoint only when it holds the minimum samples of
 * its size (a smaller datapoint is missing, never breaching), with the period its size gives.
 */
export class GuardrailMonitoring extends Monitoring {
  /** Alarms that roll the canary back when they fire. */
  readonly canaryGuardrailAlarms: AlarmWithAnnotation[] = [];

  private readonly title: string;
  private readonly sizes: Record<SizedAlarm, AlarmSize>;
  private readonly metrics: GuardrailMetricFactory;
  private readonly heartbeatMetric: MetricWithAlarmSupport;
  private readonly annotations = {
    latency: { production: [], candidate: [], canary: [] } as Record<ModelRole, HorizontalAnnotation[]>,
    latencyIncrease: [] as HorizontalAnnotation[],
    errorRate: [] as HorizontalAnnotation[],
    agreement: [] as HorizontalAnnotation[],
    conversionDrop: [] as HorizontalAnnotation[],
    dispatchRates: [] as HorizontalAnnotation[],
    runtimeConfig: [] as HorizontalAnnotation[],
    heartbeat: [] as HorizontalAnnotation[],
  };

  constructor(scope: MonitoringScope, props: GuardrailMonitoringProps) {
    super(scope, props);
    const { guardrails: g, alarms, sizes } = props;
    this.title = props.serviceName;
    this.sizes = sizes;
    const period = (alarm: SizedAlarm) => Duration.minutes(sizes[alarm].periodMinutes);
    // The library's minimum-sample option: IF(sampleCount > N, metric); "at least N" is > N - 1.
    const atLeast = (alarm: SizedAlarm) => ({
      minSampleCountToEvaluateDatapoint: sizes[alarm].minSamples - 1,
      period: period(alarm),
    });
    this.metrics = new GuardrailMetricFactory(scope.createMetricFactory(), {
      serviceName: props.serviceName,
      conversionPeriod: period('CanaryConversionDrop'),
    });
    const m = this.metrics;
    const production = this.createAlarmFactory('Production');
    const candidate = this.createAlarmFactory('Candidate');
    const canary = this.createAlarmFactory('Canary');
    const shadow = this.createAlarmFactory('Shadow');
    const runtimeConfig = this.createAlarmFactory('RuntimeConfig');
    const metricsPath = this.createAlarmFactory('Metrics');
    const rollback =
      props.canaryGuardrailAction === undefined ? {} : { actionOverride: props.canaryGuardrailAction };
    // Missing data never breaches a guardrail alarm: no calls (no traffic, shadow off, canary at
    // 0 %) is no evidence, and datapoints below their minimum samples are dropped on purpose. A
    // metrics path that stops altogether is the heartbeat alarm's to catch.
    const notBreaching = { treatMissingData: TreatMissingData.NOT_BREACHING };

    this.annotations.latency.production.push(
      this.alarm(production, m.metricLatency('production', 'p99'), 'Critical', {
        alarmNameSuffix: 'LatencyP99',
        alarmDescription:
          'Production model p99 latency, as callers see it, is above alarms.productionP99LatencyMs.',
        threshold: alarms.productionP99LatencyMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        ...notBreaching,
        ...atLeast('ProductionLatencyP99'),
      }).annotation,
    );

    this.annotations.latency.candidate.push(
      this.alarm(candidate, m.metricLatency('candidate', 'p99'), 'Warning', {
        alarmNameSuffix: 'LatencyP99',
        alarmDescription:
          'Candidate p99 latency in shadow is above guardrails.maxP99LatencyMs: it would not be promoted.',
        threshold: g.maxP99LatencyMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        ...notBreaching,
        ...atLeast('CandidateLatencyP99'),
      }).annotation,
    );

    // Both populations are every call, failed ones included (CandidateLatency like
    // ProductionLatency), and both need the minimum: the library's option gates on one count only.
    const increase = sizes.CandidateLatencyP99Increase;
    this.annotations.latencyIncrease.push(
      this.alarm(
        candidate,
        m.metricCandidateLatencyIncreaseP99(increase.minSamples, period('CandidateLatencyP99Increase')),
        'Warning',
        {
          alarmNameSuffix: 'LatencyP99Increase',
          alarmDescription:
            'Candidate p99 exceeds production p99 by more than guardrails.maxLatencyIncreaseMs: it would not be promoted.',
          threshold: g.maxLatencyIncreaseMs,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          ...notBreaching,
        },
      ).annotation,
    );

    this.annotations.errorRate.push(
      this.alarm(production, m.metricErrorRate('production'), 'Critical', {
        alarmNameSuffix: 'ErrorRate',
        alarmDescription: 'Share of production model calls that fail is above guardrails.maxErrorRate.',
        threshold: g.maxErrorRate,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        ...notBreaching,
        ...atLeast('ProductionErrorRate'),
      }).annotation,
    );

    this.annotations.errorRate.push(
      this.alarm(candidate, m.metricErrorRate('candidate'), 'Warning', {
        alarmNameSuffix: 'ErrorRate',
        alarmDescription: 'Share of candidate calls in shadow that fail is above guardrails.maxErrorRate.',
        threshold: g.maxErrorRate,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        ...notBreaching,
        ...atLeast('CandidateErrorRate'),
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
      ...notBreaching,
      ...atLeast('CanaryErrorRate'),
      ...rollback,
    });
    this.annotations.errorRate.push(canaryErrorRate.annotation);

    const canaryLatency = this.alarm(canary, m.metricLatency('canary', 'p99'), 'Critical', {
      alarmNameSuffix: CANARY_GUARDRAIL_ALARM_SUFFIXES.latencyP99,
      alarmDescription:
        'Canary p99 latency is above guardrails.maxP99LatencyMs. The canary is rolled back automatically.',
      threshold: g.maxP99LatencyMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      ...notBreaching,
      ...atLeast('CanaryLatencyP99'),
      ...rollback,
    });
    this.annotations.latency.canary.push(canaryLatency.annotation);

    // One datapoint per conversion period: outcomes are sparse and late, so the decision is per
    // window. The expression yields nothing unless both variants reached
    // guardrails.minConversionTraffic joined outcomes, a number the period is sized to reach
    // with what is recorded (shadow-sampled production requests, canary-served requests).
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
        ...notBreaching,
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
        ...rollback,
      },
    );
    this.annotations.conversionDrop.push(conversionDrop.annotation);
    this.canaryGuardrailAlarms.push(canaryErrorRate, canaryLatency, conversionDrop);

    this.annotations.agreement.push(
      this.alarm(candidate, m.metricAgreementRate(), 'Warning', {
        alarmNameSuffix: 'AgreementLow',
        alarmDescription:
          'Candidate agrees with production less often than guardrails.minAgreement (compare with the noise baseline on the dashboard).',
        threshold: g.minAgreement,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        ...notBreaching,
        ...atLeast('CandidateAgreementLow'),
      }).annotation,
    );

    // Failures lose evidence: actionable at a low share. Lateness is SQS's tail beyond the
    // dispatch budget (the message usually lands): only a large share means trouble.
    this.annotations.dispatchRates.push(
      this.alarm(
        shadow,
        m.metricShadowDispatchRate(
          'failed',
          sizes.ShadowDispatchFailureRate.minSamples,
          period('ShadowDispatchFailureRate'),
        ),
        'Warning',
        {
          alarmNameSuffix: 'DispatchFailureRate',
          alarmDescription:
            'Share of shadow samples the router failed to send to the queue is above alarms.maxShadowDispatchFailureRate: evidence is being lost (callers are not affected).',
          threshold: alarms.maxShadowDispatchFailureRate,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          ...notBreaching,
        },
      ).annotation,
      this.alarm(
        shadow,
        m.metricShadowDispatchRate(
          'late',
          sizes.ShadowDispatchLateRate.minSamples,
          period('ShadowDispatchLateRate'),
        ),
        'Warning',
        {
          alarmNameSuffix: 'DispatchLateRate',
          alarmDescription:
            'Share of shadow samples not confirmed by SQS within router.dispatchBudgetMs is above alarms.maxShadowDispatchLateRate: the queue or the network is slow (callers wait up to the budget in before-response mode).',
          threshold: alarms.maxShadowDispatchLateRate,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          ...notBreaching,
        },
      ).annotation,
    );

    // Missing data: the counter is emitted only on failures, so no data is the healthy case.
    this.annotations.runtimeConfig.push(
      this.alarm(runtimeConfig, m.metricCount(MetricName.RuntimeConfigErrors), 'Critical', {
        alarmNameSuffix: 'ReadErrors',
        alarmDescription:
          'The router cannot read the runtime config: it serves the last known or deploy-time routing, so a promote, rollback or kill switch does not take effect.',
        threshold: alarms.maxRuntimeConfigErrors,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        ...notBreaching,
      }).annotation,
    );

    // Heartbeat: API Gateway counts POST /predict requests while the router's own
    // PredictRequests metric is missing, i.e. the EMF path (namespace, service name, the metrics
    // flush) is broken and every guardrail alarm above would sit in OK on missing data. No API
    // requests at all is no traffic, not a breach.
    this.heartbeatMetric = scope.createMetricFactory().createMetricMath(
      'IF(FILL(gateway, 0) > 0 AND FILL(emitted, 0) == 0, 1, 0)',
      {
        gateway: scope
          .createMetricFactory()
          .createMetric(
            'Count',
            MetricStatistic.SUM,
            'POST /predict at API Gateway',
            { ApiName: props.api.apiName, Stage: props.api.stage, Resource: '/predict', Method: 'POST' },
            undefined,
            'AWS/ApiGateway',
          ),
        emitted: m.metricCount(MetricName.PredictRequests, 'PredictRequests (router EMF)'),
      },
      'Requests without router metrics (1 = metrics missing)',
    );
    this.annotations.heartbeat.push(
      this.alarm(metricsPath, this.heartbeatMetric, 'Critical', {
        alarmNameSuffix: 'Heartbeat',
        alarmDescription:
          "API Gateway served POST /predict but the router's PredictRequests metric is missing: the metrics path (EMF, namespace, service name) is broken and the guardrail alarms cannot see anything.",
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        ...notBreaching,
      }).annotation,
    );

    props.useCreatedAlarms?.consume(this.createdAlarms());
  }

  /** Cold starts of one function, from the ColdStart metric the handlers emit. */
  coldStarts(functionName: string, label: string): MetricWithAlarmSupport {
    return this.metrics.metricColdStarts(functionName, label);
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
          [
            m.metricCandidateLatencyIncreaseP99(
              this.sizes.CandidateLatencyP99Increase.minSamples,
              Duration.minutes(this.sizes.CandidateLatencyP99Increase.periodMinutes),
            ),
          ],
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
          [m.metricConversionDropWithMinTraffic(this.sizes.CanaryConversionDrop.minSamples)],
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
          'Shadow dispatch failed and late rates',
          [
            m.metricShadowDispatchRate(
              'failed',
              this.sizes.ShadowDispatchFailureRate.minSamples,
              Duration.minutes(this.sizes.ShadowDispatchFailureRate.periodMinutes),
            ),
            m.metricShadowDispatchRate(
              'late',
              this.sizes.ShadowDispatchLateRate.minSamples,
              Duration.minutes(this.sizes.ShadowDispatchLateRate.periodMinutes),
            ),
          ],
          RateAxisFromZeroToOne,
          this.annotations.dispatchRates,
        ),
        graph(
          QuarterWidth,
          'Runtime config errors, cold-start fallbacks, automatic rollbacks',
          [
            m.metricCount(MetricName.RuntimeConfigErrors, 'Runtime config read errors'),
            m.metricCount(
              MetricName.RuntimeConfigDeadlineFallbacks,
              'First read past its deadline (deploy-time values used)',
            ),
            m.metricCount(MetricName.AutomaticRollbacks, 'Automatic rollbacks'),
          ],
          CountAxisFromZero,
          this.annotations.runtimeConfig,
        ),
      ),
      new Row(
        graph(
          HalfWidth,
          'Heartbeat: POST /predict without router metrics (1 = metrics path broken)',
          [this.heartbeatMetric],
          { min: 0, max: 1, showUnits: false },
          this.annotations.heartbeat,
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
