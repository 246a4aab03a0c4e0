import type { StageConfig } from '../config/stage-config';

/**
 * How long each rate and percentile alarm's datapoint is, and how many samples it needs before it
 * is judged, from the traffic the stage expects. A datapoint with fewer samples is dropped
 * (missing, never breaching): the p99 of a handful of calls is their maximum, and one error in a
 * one-call minute is a 100 % error rate. A datapoint is made long enough that the expected
 * traffic fills it; when even the longest period does not, the alarm could never evaluate, and
 * the stage config is refused (lib/config/stages.ts).
 *
 * Pure: the stack builds the alarms from it, the config validation checks it, and
 * `npm run docs:alarms` writes docs/alarms.md from it.
 */

/** Periods a rate or percentile alarm may use (minutes), shortest first. */
export const ALARM_PERIODS_MINUTES = [1, 2, 5, 10, 15, 30, 60] as const;

/** Periods of the conversion-drop alarm (minutes): outcomes are sparse and arrive late. */
export const CONVERSION_PERIODS_MINUTES = [60, 120, 180, 360, 720, 1440] as const;

/** Samples a p99 needs to be more than the largest value (the 99th of 100 is the 2nd largest). */
export const MIN_PERCENTILE_SAMPLES = 100;

/**
 * Failures a rate alarm must see at its threshold before it may fire: with maxErrorRate 1 % a
 * datapoint needs 500 calls, so five failures, not one, decide.
 */
export const MIN_EVENTS_AT_THRESHOLD = 5;

/** Fewest samples of any rate datapoint, for thresholds so high (or 0) that the rule above gives fewer. */
export const MIN_RATE_SAMPLES = 20;

export const SIZED_ALARMS = [
  'ApiServerErrorRate',
  'ProductionLatencyP99',
  'ProductionErrorRate',
  'ProductionEndpointErrorRate',
  'ProductionEndpointLatencyP99',
  'CandidateLatencyP99',
  'CandidateLatencyP99Increase',
  'CandidateErrorRate',
  'CandidateAgreementLow',
  'CandidateEndpointErrorRate',
  'CandidateEndpointLatencyP99',
  'CanaryErrorRate',
  'CanaryLatencyP99',
  'CanaryConversionDrop',
  'ShadowDispatchFailureRate',
  'ShadowDispatchLateRate',
] as const;

export type SizedAlarm = (typeof SIZED_ALARMS)[number];

export interface AlarmSize {
  readonly alarm: SizedAlarm;
  /** What one sample is, in the domain's words. */
  readonly sample: string;
  /** Samples a datapoint needs before it is judged. */
  readonly minSamples: number;
  /** Samples per /predict request at the stage's expected traffic (sample rate, canary share, outcomes). */
  readonly samplesPerRequest: number;
  /** Length of one datapoint (minutes). */
  readonly periodMinutes: number;
  /** Requests per minute at which that period just fills with `minSamples`. */
  readonly requiredRequestsPerMinute: number;
  /** Whether the expected traffic fills a datapoint of the longest allowed period. */
  readonly evaluates: boolean;
}

/** Samples a rate datapoint needs so that the threshold means at least a few events. */
export function minRateSamples(threshold: number): number {
  if (!(threshold > 0)) return MIN_RATE_SAMPLES;
  // The epsilon keeps 1 - 0.9 (0.0999…98 in floating point) at 50 samples, not 51.
  return Math.max(MIN_RATE_SAMPLES, Math.ceil(MIN_EVENTS_AT_THRESHOLD / threshold - 1e-9));
}

type Spec = Omit<AlarmSize, 'alarm' | 'periodMinutes' | 'requiredRequestsPerMinute' | 'evaluates'> & {
  readonly periods: readonly number[];
};

/** The size of every rate and percentile alarm of a stage. */
export function sizeAlarms(config: StageConfig): Record<SizedAlarm, AlarmSize> {
  const { guardrails: g, alarms: a, expectedTraffic: t } = config;
  const canary = t.smallestCanaryPercent / 100;
  // During a canary, production serves the rest; during shadow, everything.
  const production = 1 - canary;
  // Every production-served request is sampled at the (deploy-time) rate.
  const shadow = production * config.shadow.sampleRate;
  // Only recorded requests can join an outcome: shadow-sampled production requests and every
  // canary-served request.
  const conversion = Math.min(shadow, canary) * t.outcomeShare;
  const p99 = MIN_PERCENTILE_SAMPLES;
  const operational = ALARM_PERIODS_MINUTES.filter((p) => p >= a.periodMinutes);
  const spec = (sample: string, minSamples: number, samplesPerRequest: number): Spec => ({
    sample,
    minSamples,
    samplesPerRequest,
    periods: operational,
  });
  const specs: Record<SizedAlarm, Spec> = {
    ApiServerErrorRate: spec('API request', minRateSamples(a.maxApiServerErrorRate), 1),
    ProductionLatencyP99: spec('production-served request', p99, production),
    ProductionErrorRate: spec('production-served request', minRateSamples(g.maxErrorRate), production),
    ProductionEndpointErrorRate: spec(
      'production endpoint invocation',
      minRateSamples(g.maxErrorRate),
      production,
    ),
    ProductionEndpointLatencyP99: spec('production endpoint invocation', p99, production),
    CandidateLatencyP99: spec('shadow replay', p99, shadow),
    CandidateLatencyP99Increase: spec('shadow replay (and production-served request)', p99, shadow),
    CandidateErrorRate: spec('shadow replay', minRateSamples(g.maxErrorRate), shadow),
    CandidateAgreementLow: spec('comparison', minRateSamples(1 - g.minAgreement), shadow),
    CandidateEndpointErrorRate: spec('candidate endpoint invocation', minRateSamples(g.maxErrorRate), shadow),
    CandidateEndpointLatencyP99: spec('candidate endpoint invocation', p99, shadow),
    CanaryErrorRate: spec('canary-served request', minRateSamples(g.maxErrorRate), canary),
    CanaryLatencyP99: spec('canary-served request', p99, canary),
    CanaryConversionDrop: {
      sample: 'joined outcome, per served variant',
      minSamples: g.minConversionTraffic,
      samplesPerRequest: conversion,
      periods: CONVERSION_PERIODS_MINUTES,
    },
    ShadowDispatchFailureRate: spec(
      'shadow dispatch',
      minRateSamples(a.maxShadowDispatchFailureRate),
      config.shadow.sampleRate,
    ),
    ShadowDispatchLateRate: spec(
      'shadow dispatch',
      minRateSamples(a.maxShadowDispatchLateRate),
      config.shadow.sampleRate,
    ),
  };
  const sized = {} as Record<SizedAlarm, AlarmSize>;
  for (const alarm of SIZED_ALARMS) sized[alarm] = size(alarm, specs[alarm], t.requestsPerMinute);
  return sized;
}

function size(alarm: SizedAlarm, spec: Spec, requestsPerMinute: number): AlarmSize {
  const { periods, ...rest } = spec;
  const perMinute = requestsPerMinute * spec.samplesPerRequest;
  const fitting = periods.find((p) => perMinute * p >= spec.minSamples);
  const longest = periods[periods.length - 1] ?? 60;
  const periodMinutes = fitting ?? longest;
  return {
    alarm,
    ...rest,
    periodMinutes,
    requiredRequestsPerMinute:
      spec.samplesPerRequest > 0 ? spec.minSamples / (periodMinutes * spec.samplesPerRequest) : Infinity,
    evaluates: fitting !== undefined,
  };
}
