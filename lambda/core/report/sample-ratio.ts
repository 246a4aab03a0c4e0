/**
 * Sample ratio mismatch (SRM): is the observed canary share of users, and the observed shadow
 * sample rate, what the configuration says? Users are assigned by a stable hash, so the count on
 * the canary is Binomial(users, share) when everything works; a deviation means assignment or
 * recording is broken and any comparison between the groups is biased (R. Kohavi, D. Tang &
 * Y. Xu, "Trustworthy Online Controlled Experiments", 2020, ch. 21). The test is anytime-valid:
 * the two-sided beta-binomial mixture against the configured share (the one-dimensional case of
 * M. Lindon & A. Malek, "Anytime-valid inference for multinomial count data", NeurIPS 2022), so
 * reading it at every report keeps its false-alarm rate at `alpha`.
 */
import { logMixtureRatio, rateConfidenceSequence } from '../stats/sequential';
import type { ExperimentAggregates } from './aggregates';
import { percent, range } from './format';
import type { SampleRatioCheck } from './types';

/** False-alarm rate of each check: small, because a mismatch stops the experiment. */
export const SAMPLE_RATIO_ALPHA = 0.001;
/** The mixture is tuned to notice a few percent of deviation at this many units. */
const SRM_PLANNED_SIZE = 10_000;

const CANARY_CAUSES = [
  'the canary share or the user-key salt changed without starting a new experiment',
  'requests without a user key (each is its own user) or a few heavy users and bots in one arm',
  'records of one arm lost or filtered before the evidence log (failed writes, a crashing path)',
  'callers retrying or routing around the canary after errors',
];
const SAMPLE_RATE_CAUSES = [
  'shadow dispatch failures or a full queue: sampled requests that were never recorded',
  'worker failures or dead-lettered messages for some requests',
  'the circuit breaker or an operator lowered the sample rate without a new experiment',
  'the sampling salt changed mid-experiment',
];

export function checkSampleRatios(a: ExperimentAggregates, alpha = SAMPLE_RATIO_ALPHA): SampleRatioCheck[] {
  const canaryUsers = a.canary.filter((arm) => arm.variant === 'canary').reduce((s, arm) => s + arm.users, 0);
  const allUsers = a.canary.reduce((s, arm) => s + arm.users, 0);
  const canary = test(
    'canaryShare',
    canaryUsers,
    allUsers,
    a.experiment.canaryPercent / 100,
    'users',
    'users on the canary',
    CANARY_CAUSES,
    alpha,
  );
  // Only production-served requests are shadow-sampled (a canary-served answer is the candidate's
  // own): the sample rate applies to them, not to every request seen.
  const canaryRequests = a.canary
    .filter((arm) => arm.variant === 'canary')
    .reduce((s, arm) => s + arm.requests, 0);
  const productionServedSeen = a.requestsSeen === null ? null : Math.max(0, a.requestsSeen - canaryRequests);
  const sampled =
    productionServedSeen === null
      ? notApplicable(
          'shadowSampleRate',
          a.experiment.sampleRate,
          'requests',
          'only sampled requests are recorded without a canary: the sample rate cannot be checked',
          alpha,
        )
      : test(
          'shadowSampleRate',
          a.shadowSampled,
          productionServedSeen,
          a.experiment.sampleRate,
          'requests',
          'production-served requests shadow-sampled',
          SAMPLE_RATE_CAUSES,
          alpha,
        );
  return [canary, sampled];
}

function notApplicable(
  check: SampleRatioCheck['check'],
  expected: number,
  unit: string,
  summary: string,
  alpha: number,
): SampleRatioCheck {
  return {
    check,
    status: 'not_applicable',
    expected,
    observed: { estimate: null, lower: null, upper: null },
    numerator: 0,
    denominator: 0,
    unit,
    alpha,
    summary,
  };
}

function test(
  check: SampleRatioCheck['check'],
  x: number,
  n: number,
  expected: number,
  unit: string,
  what: string,
  causes: readonly string[],
  alpha: number,
): SampleRatioCheck {
  if (n === 0) return notApplicable(check, expected, unit, `no ${unit} yet`, alpha);
  const k = Math.max(2, SRM_PLANNED_SIZE / 10);
  const center = Math.min(1 - 0.5 / k, Math.max(0.5 / k, expected));
  const mixture = { a: center * k, b: (1 - center) * k };
  const mismatch = logMixtureRatio(x, n, expected, mixture) >= Math.log(1 / alpha);
  // Shown: the always-valid interval of a uniform mixture, centred on what was observed.
  const observed = rateConfidenceSequence(x, n, { a: 1, b: 1 }, alpha);
  const summary = `${percent(x / n)} of ${n} ${unit} (${x}) ${mismatch ? 'differs from' : 'consistent with'} the configured ${percent(expected)}, always-valid ${percent(1 - alpha)} interval ${range(observed.lower, observed.upper, percent)}`;
  return {
    check,
    status: mismatch ? 'mismatch' : 'ok',
    expected,
    observed,
    numerator: x,
    denominator: n,
    unit,
    alpha,
    summary: `${what}: ${summary}`,
    ...(mismatch ? { likelyCauses: causes } : {}),
  };
}
