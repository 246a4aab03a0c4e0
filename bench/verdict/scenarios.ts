/**
 * The scenarios of the verdict simulation (issue "A verdict you can trust"), each with its known
 * truth, the right verdict and the fixed-horizon sample size a classical one-shot test would
 * need for the same decision at the same alpha with 90 % power (normal approximation, computed
 * from the truth), to compare the anytime-valid verdict's samples-to-decision with.
 *
 * Guardrails (`GUARDRAILS`): p99 <= 200 ms, p99 increase <= 10 ms, errors <= 1 %, agreement
 * >= 95 %, accuracy drop <= 1 point, conversion drop <= 2 points, 500 comparisons. Production:
 * p99 ≈ 169 ms, 0.2 % errors, 85 % accurate, 10 % conversion.
 */
import type { GuardrailName } from '../../lambda/core/report/types';
import { GUARDRAILS, IDENTICAL, OTHER_CANDIDATE, type Scenario, type Truth } from './simulate';

const Z_ALPHA = 1.6449; // one-sided 5 %
const Z_POWER = 1.2816; // 90 % power
const Z2 = (Z_ALPHA + Z_POWER) ** 2;

/** One-sample test of a rate p1 against p0. */
function oneRate(p0: number, p1: number): number {
  const n = ((Z_ALPHA * Math.sqrt(p0 * (1 - p0)) + Z_POWER * Math.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2;
  return Math.ceil(n);
}

/** Latency model: errors at the timeout, the rest shift + scale × (80 + 50 e^(0.25 Z)). */
function latencyQuantile(truth: { shift: number; scale: number; errors: number }, p: number) {
  const q = Math.min(0.999999, p / (1 - truth.errors));
  const z = normalQuantile(q);
  const x = truth.shift + truth.scale * (80 + 50 * Math.exp(0.25 * z));
  // Density of the whole distribution at x.
  const phi = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  const density = ((1 - truth.errors) * phi) / (0.25 * truth.scale * (x - truth.shift - 80 * truth.scale));
  return { x, density };
}

function shareAbove(truth: { shift: number; scale: number; errors: number }, limit: number): number {
  const inner = (limit - truth.shift) / truth.scale - 80;
  if (inner <= 0) return 1;
  const z = Math.log(inner / 50) / 0.25;
  return truth.errors + (1 - truth.errors) * (1 - normalCdf(z));
}

/** Two-sample p99 difference against a limit (independent samples of equal size). */
function p99Difference(
  candidate: { shift: number; scale: number; errors: number },
  production: { shift: number; scale: number; errors: number },
  limit: number,
): number {
  const c = latencyQuantile(candidate, 0.99);
  const p = latencyQuantile(production, 0.99);
  const variance = 0.0099 / c.density ** 2 + 0.0099 / p.density ** 2;
  return Math.ceil((Z2 * variance) / (c.x - p.x - limit) ** 2);
}

/** Paired accuracy difference (labelled pairs) against the margin. */
function pairedAccuracy(onlyProduction: number, onlyCandidate: number, margin: number): number {
  const d = onlyProduction - onlyCandidate;
  const variance = onlyProduction + onlyCandidate - d * d;
  return Math.ceil((Z2 * variance) / (d - margin) ** 2);
}

/** Conversion drop between two arms of requests, clustered by user (design effect). */
function conversionDrop(
  p: number,
  c: number,
  canaryShare: number,
  limit: number,
  perUser: number,
  icc: number,
) {
  const deff = 1 + (perUser - 1) * icc;
  const variance = deff * ((p * (1 - p)) / (1 - canaryShare) + (c * (1 - c)) / canaryShare);
  return Math.ceil((Z2 * variance) / (p - c - limit) ** 2);
}

/** Relative drop 1 - c/p against r, as the contrast (1 - r) p - c (5 requests per user, no ICC). */
function relativeDrop(p: number, c: number, canaryShare: number, r: number): number {
  const variance = ((1 - r) ** 2 * p * (1 - p)) / (1 - canaryShare) + (c * (1 - c)) / canaryShare;
  return Math.ceil((Z2 * variance) / ((1 - r) * p - c) ** 2);
}

/**
 * Noise-adjusted agreement: candidate disagreement (all comparisons) minus production's
 * self-disagreement (a share `baseline` of them), against the margin.
 */
function noiseAdjusted(candidate: number, noise: number, baseline: number, margin: number): number {
  const variance = candidate * (1 - candidate) + (noise * (1 - noise)) / baseline;
  return Math.ceil((Z2 * variance) / (candidate - noise - margin) ** 2);
}
/** Disagreement of two answers that each flip with probability f: 2 f (1 - f). */
const flips = (f: number) => 2 * f * (1 - f);

/**
 * Excess disagreement (beyond production's own flips) of exactly 10 points — twice the 5-point
 * margin of `minAgreement: 0.95` — for answers that flip 3 % of the time: latent answers differ
 * on 0.85 × (1 - x) of requests, and a difference survives the flips with 1 - 2 × flips(0.03).
 */
const TEN_POINTS_LESS_AGREEING = 1 - 0.1 / (0.85 * (1 - 2 * flips(0.03)));
/** Excess disagreement of exactly the 5-point margin: on the limit, which the guardrail allows. */
const FIVE_POINTS_LESS_AGREEING = 1 - 0.05 / (0.85 * (1 - 2 * flips(0.03)));

/** Production and candidate answers that each flip 3 % of the time, no labels; a noise baseline. */
const noisy = (truth: Partial<Truth>): Truth => ({
  ...IDENTICAL,
  productionFlip: 0.03,
  candidateFlip: 0.03,
  labelShare: 0,
  ...truth,
});

const PRODUCTION_LATENCY = { shift: 0, scale: 1, errors: IDENTICAL.productionErrorRate };

/** Fixed horizon of PROMOTE for a candidate like production: the slowest guardrail to show. */
const PROMOTE_IDENTICAL = Math.max(
  p99Difference(PRODUCTION_LATENCY, PRODUCTION_LATENCY, GUARDRAILS.maxLatencyIncreaseMs),
  oneRate(0.01, shareAbove(PRODUCTION_LATENCY, GUARDRAILS.maxP99LatencyMs)),
  oneRate(GUARDRAILS.maxErrorRate, IDENTICAL.candidateErrorRate),
);

const slower = (shift: number, scale: number, tail = 0) => ({
  shift,
  scale,
  errors: IDENTICAL.candidateErrorRate + tail,
});

const withCanary = (truth: Partial<Truth>): Truth => ({
  ...IDENTICAL,
  canaryShare: 0.5,
  requestsPerUser: 5,
  labelShare: 0,
  ...truth,
});

const LATENCY: readonly GuardrailName[] = ['maxP99LatencyMs', 'maxLatencyIncreaseMs'];
const ERRORS: readonly GuardrailName[] = ['maxErrorRate', ...LATENCY];

export function scenarios(): Scenario[] {
  const horizon = 20_000;
  const peekEvery = 100;
  const base = { horizon, peekEvery };
  return [
    {
      ...base,
      name: 'identical',
      truth: IDENTICAL,
      expected: 'PROMOTE',
      bad: false,
      fixedHorizon: PROMOTE_IDENTICAL,
      kind: 'p99',
    },
    {
      ...base,
      name: 'accuracy -2 points (labels on 30 %)',
      truth: { ...IDENTICAL, candidateRightWhenProductionRight: 0.9765 },
      expected: 'REJECT',
      guardrail: 'maxAccuracyDrop',
      bad: true,
      fixedHorizon: Math.ceil(pairedAccuracy(0.85 * 0.0235, 0, 0.01) / 0.3),
      kind: 'rates',
    },
    {
      ...base,
      name: 'p99 +20 ms',
      truth: { ...IDENTICAL, candidateShiftMs: 20 },
      expected: 'REJECT',
      guardrail: 'maxLatencyIncreaseMs',
      acceptable: LATENCY,
      bad: true,
      fixedHorizon: p99Difference(slower(20, 1), PRODUCTION_LATENCY, 10),
      kind: 'p99',
    },
    {
      ...base,
      name: 'latency x1.3',
      truth: { ...IDENTICAL, candidateScale: 1.3 },
      expected: 'REJECT',
      guardrail: 'maxP99LatencyMs',
      acceptable: LATENCY,
      bad: true,
      fixedHorizon: oneRate(0.01, shareAbove(slower(0, 1.3), 200)),
      kind: 'p99',
    },
    {
      ...base,
      name: 'tail only: 3 % of calls +150 ms',
      truth: { ...IDENTICAL, tailShare: 0.03, tailMs: 150 },
      expected: 'REJECT',
      guardrail: 'maxP99LatencyMs',
      acceptable: LATENCY,
      bad: true,
      // 3 % of calls land above 230 ms: the share above the 200 ms limit is about 3 %.
      fixedHorizon: oneRate(0.01, 0.03),
      kind: 'p99',
    },
    {
      ...base,
      name: 'errors +1 point (1.2 %, limit 1 %)',
      truth: { ...IDENTICAL, candidateErrorRate: 0.012 },
      expected: 'REJECT',
      guardrail: 'maxErrorRate',
      acceptable: ERRORS,
      bad: true,
      fixedHorizon: oneRate(0.01, 0.012),
      kind: 'rates',
    },
    {
      ...base,
      name: 'errors +2 points (2.2 %)',
      truth: { ...IDENTICAL, candidateErrorRate: 0.022 },
      expected: 'REJECT',
      guardrail: 'maxErrorRate',
      acceptable: ERRORS,
      bad: true,
      fixedHorizon: oneRate(0.01, 0.022),
      kind: 'rates',
    },
    {
      ...base,
      name: 'conversion -2 points (on the limit), canary 50 %',
      truth: withCanary({ canaryConversion: 0.08 }),
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      bad: true,
      kind: 'rates',
    },
    {
      ...base,
      name: 'conversion -4 points (-40 % relative), canary 50 %',
      truth: withCanary({ canaryConversion: 0.06 }),
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      bad: true,
      fixedHorizon: conversionDrop(0.1, 0.06, 0.5, 0.02, 5, 0),
      kind: 'rates',
    },
    {
      ...base,
      name: 'relative conversion -40 % (5 % to 3 %, limit -20 %), absolute drop on its 2-point limit',
      truth: withCanary({ productionConversion: 0.05, canaryConversion: 0.03 }),
      guardrails: { ...GUARDRAILS, maxConversionDropRelative: 0.2 },
      expected: 'REJECT',
      guardrail: 'maxConversionDropRelative',
      acceptable: ['maxConversionDropRelative', 'maxConversionDrop'],
      bad: true,
      fixedHorizon: relativeDrop(0.05, 0.03, 0.5, 0.2),
      kind: 'rates',
    },
    {
      ...base,
      name: 'canary converts like production (10 %), absolute and relative (-20 %) limits',
      truth: withCanary({}),
      guardrails: { ...GUARDRAILS, maxConversionDropRelative: 0.2 },
      expected: 'PROMOTE',
      bad: false,
      fixedHorizon: Math.max(
        Math.ceil(PROMOTE_IDENTICAL / 0.5),
        conversionDrop(0.1, 0.1, 0.5, 0.02, 5, 0),
        relativeDrop(0.1, 0.1, 0.5, 0.2),
      ),
      kind: 'rates',
    },
    {
      ...base,
      name: 'better: accuracy +9.5 points, agreement 87 % (agreement as evidence)',
      truth: {
        ...IDENTICAL,
        candidateRightWhenProductionRight: 0.98,
        candidateRightWhenProductionWrong: 0.75,
      },
      guardrails: { ...GUARDRAILS, agreement: 'evidence' },
      expected: 'PROMOTE',
      bad: false,
      fixedHorizon: Math.max(
        PROMOTE_IDENTICAL,
        Math.ceil(pairedAccuracy(0.85 * 0.02, 0.15 * 0.75, 0.01) / 0.3),
      ),
      kind: 'p99',
    },
    {
      ...base,
      name: 'noisy production (3 % flips), equally noisy candidate, 10 % noise baseline',
      truth: noisy({ noiseBaselineShare: 0.1 }),
      expected: 'PROMOTE',
      bad: false,
      fixedHorizon: noiseAdjusted(flips(0.03), flips(0.03), 0.1, 0.05),
      kind: 'rates',
    },
    {
      ...base,
      name: 'noisy production, equally noisy candidate, 1 % noise baseline',
      truth: noisy({ noiseBaselineShare: 0.01 }),
      expected: 'PROMOTE',
      bad: false,
      fixedHorizon: noiseAdjusted(flips(0.03), flips(0.03), 0.01, 0.05),
      kind: 'rates',
    },
    {
      ...base,
      name: 'noisy production, candidate 10 points less agreeing beyond the noise, 1 % noise baseline',
      truth: noisy({ noiseBaselineShare: 0.01, candidateRightWhenProductionRight: TEN_POINTS_LESS_AGREEING }),
      expected: 'REJECT',
      guardrail: 'minAgreement',
      bad: true,
      fixedHorizon: noiseAdjusted(flips(0.03) + 0.1, flips(0.03), 0.01, 0.05),
      kind: 'rates',
    },
    {
      ...base,
      name: 'noisy production, candidate 10 points less agreeing beyond the noise, 10 % noise baseline',
      truth: noisy({ noiseBaselineShare: 0.1, candidateRightWhenProductionRight: TEN_POINTS_LESS_AGREEING }),
      expected: 'REJECT',
      guardrail: 'minAgreement',
      bad: true,
      fixedHorizon: noiseAdjusted(flips(0.03) + 0.1, flips(0.03), 0.1, 0.05),
      kind: 'rates',
    },
    {
      ...base,
      name: 'noisy production, candidate 5 points less agreeing beyond the noise (on the margin: REJECT is false), 10 % noise baseline',
      truth: noisy({ noiseBaselineShare: 0.1, candidateRightWhenProductionRight: FIVE_POINTS_LESS_AGREEING }),
      expected: 'PROMOTE',
      bad: false,
      kind: 'rates',
    },
    {
      ...base,
      name: 'two candidates: replay-only one judged, the canary (other) converts -3 points',
      truth: withCanary({
        canaryEndpoint: OTHER_CANDIDATE,
        canaryConversion: 0.07,
        replayed: [IDENTICAL.judged],
      }),
      expected: 'PROMOTE',
      bad: false,
      fixedHorizon: Math.ceil(PROMOTE_IDENTICAL / 0.5),
      kind: 'p99',
    },
    {
      ...base,
      name: 'clustered users (ICC 0.3, 20 requests/user), same conversion',
      truth: withCanary({ requestsPerUser: 20, userCorrelation: 0.3 }),
      expected: 'PROMOTE',
      bad: false,
      fixedHorizon: Math.max(
        Math.ceil(PROMOTE_IDENTICAL / 0.5),
        conversionDrop(0.1, 0.1, 0.5, 0.02, 20, 0.3),
      ),
      kind: 'rates',
    },
    {
      ...base,
      name: 'clustered users (ICC 0.3), conversion -2 points (on the limit)',
      truth: withCanary({ requestsPerUser: 20, userCorrelation: 0.3, canaryConversion: 0.08 }),
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      bad: true,
      kind: 'rates',
    },
    {
      ...base,
      name: 'clustered users (ICC 0.05, 10 requests/user), conversion -4 points',
      truth: withCanary({ requestsPerUser: 10, userCorrelation: 0.05, canaryConversion: 0.06 }),
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      bad: true,
      fixedHorizon: conversionDrop(0.1, 0.06, 0.5, 0.02, 10, 0.05),
      kind: 'rates',
    },
    {
      ...base,
      name: 'small canary (5 %), 2 % conversion, canary -1 point (on the limit)',
      truth: withCanary({ canaryShare: 0.05, productionConversion: 0.02, canaryConversion: 0.01 }),
      guardrails: { ...GUARDRAILS, maxConversionDrop: 0.01 },
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      bad: true,
      kind: 'rates',
    },
    {
      ...base,
      name: 'sample ratio mismatch: 30 % of users on a canary configured at 10 %',
      truth: withCanary({ canaryShare: 0.3, configuredCanaryShare: 0.1 }),
      expected: 'INVALID',
      bad: true,
      kind: 'rates',
    },
    // Appended: the indices (and seeds) of the rows above stay as they were.
    {
      ...base,
      name: 'both conversion limits bind at once (10 % to 8 %: 2 points = 20 % of 10 %), truth on both: REJECT is false',
      truth: withCanary({ canaryConversion: 0.08 }),
      guardrails: { ...GUARDRAILS, maxConversionDropRelative: 0.2 },
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      acceptable: ['maxConversionDrop', 'maxConversionDropRelative'],
      bad: true,
      onLimit: true,
      kind: 'rates',
    },
    {
      ...base,
      name: 'relative conversion on its limit (5 % to 4 %, limit -20 %), absolute far (1 of 2 points): REJECT is false',
      truth: withCanary({ productionConversion: 0.05, canaryConversion: 0.04 }),
      guardrails: { ...GUARDRAILS, maxConversionDropRelative: 0.2 },
      expected: 'REJECT',
      guardrail: 'maxConversionDropRelative',
      acceptable: ['maxConversionDropRelative', 'maxConversionDrop'],
      bad: true,
      onLimit: true,
      kind: 'rates',
    },
    {
      ...base,
      name: 'near where the limits meet: 12.5 % to 10 % (absolute binds, 0.5 point past it; relative on its limit)',
      truth: withCanary({ productionConversion: 0.125, canaryConversion: 0.1 }),
      guardrails: { ...GUARDRAILS, maxConversionDropRelative: 0.2 },
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      acceptable: ['maxConversionDrop', 'maxConversionDropRelative'],
      bad: true,
      fixedHorizon: conversionDrop(0.125, 0.1, 0.5, 0.02, 5, 0),
      kind: 'rates',
    },
  ];
}

// Local copies keep this file free of a dependency on the statistics core it checks.
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989422804014327 * Math.exp((-x * x) / 2);
  const p =
    d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x > 0 ? 1 - p : p;
}

function normalQuantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
