import type { Duration } from 'aws-cdk-lib';
import type { DimensionsMap } from 'aws-cdk-lib/aws-cloudwatch';
import { type MetricFactory, MetricStatistic, type MetricWithAlarmSupport } from 'cdk-monitoring-constructs';
import { METRICS_NAMESPACE, MetricName } from '../../lambda/core/metric-names';
import type { ServedVariant } from '../../lambda/core/variants';

/**
 * Whose answers a latency or error metric measures: production as served to callers, the
 * candidate replayed in shadow, or the candidate served to callers as the canary.
 */
export type ModelRole = 'production' | 'candidate' | 'canary';

export type LatencyPercentile = 'p50' | 'p90' | 'p99';

const LATENCY: Record<ModelRole, MetricName> = {
  production: MetricName.ProductionLatency,
  candidate: MetricName.CandidateLatency,
  canary: MetricName.CanaryLatency,
};
/** Emitted as 0 or 1 per model call: the Average is the error rate. */
const ERRORS: Record<ModelRole, MetricName> = {
  production: MetricName.ProductionErrors,
  candidate: MetricName.CandidateErrors,
  canary: MetricName.CanaryErrors,
};
const OUTCOMES: Record<ServedVariant, MetricName> = {
  production: MetricName.ProductionOutcomes,
  canary: MetricName.CanaryOutcomes,
};
/** Emitted as 0 or 1 per outcome that says whether it converted: the Average is the conversion rate. */
const CONVERSIONS: Record<ServedVariant, MetricName> = {
  production: MetricName.ProductionConversions,
  canary: MetricName.CanaryConversions,
};
const PERCENTILE: Record<LatencyPercentile, MetricStatistic> = {
  p50: MetricStatistic.P50,
  p90: MetricStatistic.P90,
  p99: MetricStatistic.P99,
};
const LABEL: Record<ModelRole, string> = {
  production: 'Production',
  candidate: 'Candidate (shadow)',
  canary: 'Canary',
};

export interface GuardrailMetricFactoryProps {
  /** Powertools service name of the stage: the `service` dimension of every metric the Lambdas emit. */
  readonly serviceName: string;
  /** Datapoint length of the conversion and outcome metrics (sparse, late business events). */
  readonly conversionPeriod: Duration;
}

/** An optional datapoint length; the facade's default period when absent. */
type Period = Duration | undefined;

/**
 * The rollout's own metrics (EMF from the Lambdas, namespace `METRICS_NAMESPACE`) and the metric
 * math over them. Metrics only: alarms and widgets are `GuardrailMonitoring`'s.
 */
export class GuardrailMetricFactory {
  private readonly dimensions: DimensionsMap;
  private readonly conversionPeriod: Duration;

  constructor(
    private readonly metricFactory: MetricFactory,
    props: GuardrailMetricFactoryProps,
  ) {
    this.dimensions = { service: props.serviceName };
    this.conversionPeriod = props.conversionPeriod;
  }

  /**
   * Latency (ms) of a model's answers at a percentile: every call, failed ones included, so
   * production and candidate percentiles compare the same population.
   */
  metricLatency(model: ModelRole, percentile: LatencyPercentile, period?: Period): MetricWithAlarmSupport {
    return this.metric(LATENCY[model], PERCENTILE[percentile], `${LABEL[model]} ${percentile}`, period);
  }

  /** Share (0..1) of a model's calls that failed (its sample count is the number of calls). */
  metricErrorRate(model: ModelRole, period?: Period): MetricWithAlarmSupport {
    return this.metric(ERRORS[model], MetricStatistic.AVERAGE, `${LABEL[model]} error rate`, period);
  }

  /** Calls whose latency was recorded. */
  metricLatencySampleCount(model: ModelRole, period?: Period): MetricWithAlarmSupport {
    return this.metric(LATENCY[model], MetricStatistic.N, `${LABEL[model]} calls`, period);
  }

  /**
   * Candidate p99 minus production p99 (ms), only for datapoints in which both have at least
   * `minSamples` calls (else no datapoint).
   */
  metricCandidateLatencyIncreaseP99(minSamples: number, period?: Period): MetricWithAlarmSupport {
    return this.metricFactory.createMetricMath(
      `IF(candidateCalls >= ${minSamples} AND productionCalls >= ${minSamples}, candidate - production)`,
      {
        candidateCalls: this.metricLatencySampleCount('candidate', period),
        productionCalls: this.metricLatencySampleCount('production', period),
        candidate: this.metricLatency('candidate', 'p99', period),
        production: this.metricLatency('production', 'p99', period),
      },
      `Candidate p99 - production p99 (both >= ${minSamples} calls)`,
      undefined,
      period,
    );
  }

  /** Share (0..1) of comparisons in which the candidate agreed with production. */
  metricAgreementRate(period?: Period): MetricWithAlarmSupport {
    return this.metric(MetricName.Agreement, MetricStatistic.AVERAGE, 'Agreement', period);
  }

  /** Share (0..1) of production replays that agreed with production's own answer: the noise floor. */
  metricNoiseBaselineAgreementRate(): MetricWithAlarmSupport {
    return this.metric(
      MetricName.NoiseBaselineAgreement,
      MetricStatistic.AVERAGE,
      'Noise baseline agreement',
    );
  }

  /** Comparisons with an agreement result. */
  metricComparisonCount(): MetricWithAlarmSupport {
    return this.metric(MetricName.Agreement, MetricStatistic.N, 'Comparisons');
  }

  /** Joined outcomes of requests a variant served. */
  metricOutcomeCount(variant: ServedVariant): MetricWithAlarmSupport {
    return this.metric(
      OUTCOMES[variant],
      MetricStatistic.SUM,
      `${LABEL[variant]} outcomes`,
      this.conversionPeriod,
    );
  }

  /** Share (0..1) of a variant's outcomes that converted (among outcomes that report it). */
  metricConversionRate(variant: ServedVariant): MetricWithAlarmSupport {
    return this.metric(
      CONVERSIONS[variant],
      MetricStatistic.AVERAGE,
      `${LABEL[variant]} conversion rate`,
      this.conversionPeriod,
    );
  }

  /**
   * Production conversion rate minus canary conversion rate, only for datapoints in which both
   * variants have at least `minOutcomes` joined outcomes; otherwise no datapoint, so a quiet
   * window is missing data rather than a noisy difference of two tiny samples.
   */
  metricConversionDropWithMinTraffic(minOutcomes: number): MetricWithAlarmSupport {
    return this.metricFactory.createMetricMath(
      `IF(productionOutcomes >= ${minOutcomes} AND canaryOutcomes >= ${minOutcomes}, productionRate - canaryRate)`,
      {
        productionOutcomes: this.metricOutcomeCount('production'),
        canaryOutcomes: this.metricOutcomeCount('canary'),
        productionRate: this.metricConversionRate('production'),
        canaryRate: this.metricConversionRate('canary'),
      },
      `Conversion drop, production - canary (both >= ${minOutcomes} outcomes)`,
      undefined,
      this.conversionPeriod,
    );
  }

  /**
   * Share (0..1) of shadow dispatches of one outcome (failed: the evidence is lost; late: not
   * confirmed within the budget and left to finish), only for datapoints with at least
   * `minAttempts` dispatches (else no datapoint). The counters are emitted only when they happen,
   * so each is filled with 0.
   */
  metricShadowDispatchRate(
    outcome: 'failed' | 'late',
    minAttempts: number,
    period?: Period,
  ): MetricWithAlarmSupport {
    // Ids carry the outcome: one graph draws both rates, and ids must differ across its expressions.
    const [sent, late, failed] = ['Sent', 'Late', 'Failed'].map((what) => `${outcome}${what}`) as [
      string,
      string,
      string,
    ];
    const attempts = `(FILL(${sent}, 0) + FILL(${late}, 0) + FILL(${failed}, 0))`;
    const counted = outcome === 'failed' ? failed : late;
    return this.metricFactory.createMetricMath(
      `IF(${attempts} >= ${Math.max(1, minAttempts)}, FILL(${counted}, 0) / ${attempts})`,
      {
        [sent]: this.metricCount(MetricName.ShadowDispatched, undefined, period),
        [late]: this.metricCount(MetricName.ShadowDispatchLate, undefined, period),
        [failed]: this.metricCount(MetricName.ShadowDispatchFailed, undefined, period),
      },
      `Shadow dispatch ${outcome} rate (>= ${minAttempts} dispatches)`,
      undefined,
      period,
    );
  }

  /** A 0/1 metric averaged per datapoint: a rate (label accuracy, agreement). */
  metricRate(name: MetricName, label: string = name): MetricWithAlarmSupport {
    return this.metric(name, MetricStatistic.AVERAGE, label);
  }

  /** A counter summed per datapoint. */
  metricCount(name: MetricName, label: string = name, period?: Period): MetricWithAlarmSupport {
    return this.metric(name, MetricStatistic.SUM, label, period);
  }

  /** Cold starts of one function (Powertools adds its name as the `function_name` dimension). */
  metricColdStarts(functionName: string, label: string): MetricWithAlarmSupport {
    return this.metricFactory.createMetric(
      'ColdStart',
      MetricStatistic.SUM,
      label,
      { ...this.dimensions, function_name: functionName },
      undefined,
      METRICS_NAMESPACE,
    );
  }

  private metric(
    name: MetricName,
    statistic: MetricStatistic,
    label: string,
    period?: Duration,
  ): MetricWithAlarmSupport {
    return this.metricFactory.createMetric(
      name,
      statistic,
      label,
      this.dimensions,
      undefined,
      METRICS_NAMESPACE,
      period,
    );
  }
}
