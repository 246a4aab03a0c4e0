import { createComparator, decodeAnswer } from '../../../lambda/core/comparators';
import type { ComparatorConfig, ComparisonResult } from '../../../lambda/core/comparators/types';
import type {
  CandidateComparison,
  ComparisonRecord,
  StoredModelResult,
} from '../../../lambda/core/comparison-record';
import { bernoulli, logNormal, type Random } from '../../../lambda/core/stats/random';

// Bound once: the generator runs per record, and global lookups are slow in Jest's vm sandbox.
const { floor, log, round } = Math;

export const PRODUCTION = 'churn-v1';
export const CANDIDATE = 'churn-v2';
export const COMPARATOR: ComparatorConfig = {
  type: 'classification',
  labelPath: 'label',
  scorePath: 'probability',
  maxScoreDelta: 0.2,
};
const compare = createComparator(COMPARATOR);

/** Known truth of one synthetic experiment. */
export interface Truth {
  /** Extra latency of the candidate (ms), added to a draw from production's distribution. */
  readonly candidateShiftMs: number;
  readonly productionErrorRate: number;
  readonly candidateErrorRate: number;
  /** P(candidate predicts production's label). */
  readonly agreement: number;
  /** P(production re-invoked predicts its own label again); 1 = deterministic. */
  readonly selfAgreement: number;
  /** Share of production-served requests also re-invoked on production for the noise baseline. */
  readonly noiseBaselineShare: number;
  /** Share of users served by the candidate as a canary. */
  readonly canaryShare: number;
  readonly productionConversion: number;
  readonly canaryConversion: number;
  /** Share of records that get a conversion outcome. */
  readonly conversionOutcomes: number;
  /** Share of records that get a label outcome; production is right with `productionAccuracy`. */
  readonly labelOutcomes: number;
  readonly productionAccuracy: number;
}

export const IDENTICAL: Truth = {
  candidateShiftMs: 0,
  productionErrorRate: 0.002,
  candidateErrorRate: 0.002,
  agreement: 0.99,
  selfAgreement: 1,
  noiseBaselineShare: 0,
  canaryShare: 0,
  productionConversion: 0.015,
  canaryConversion: 0.015,
  conversionOutcomes: 0,
  labelOutcomes: 0,
  productionAccuracy: 0.9,
};

/**
 * Production latency: 80 ms plus a log-normal with median 50 ms and sigma 0.25 —
 * p99 = 80 + 50 e^(0.25 * 2.326) ≈ 169.4 ms.
 */
const LOG_50 = log(50);

export function productionLatency(random: Random): number {
  return 80 + logNormal(random, LOG_50, 0.25);
}

const otherLabel = (label: Label): Label => (label === 'churn' ? 'stay' : 'churn');

/** Scores come from a small grid so bodies and comparisons can be precomputed (this is hot). */
const PROBABILITIES = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
const LABELS = ['churn', 'stay'] as const;
type Label = (typeof LABELS)[number];
/** Answer id = label index * grid size + score index. */
const answerId = (label: Label, scoreIndex: number) =>
  (label === 'churn' ? 0 : PROBABILITIES.length) + scoreIndex;
const BODIES = LABELS.flatMap((label) =>
  PROBABILITIES.map((probability) => JSON.stringify({ label, probability })),
);
const COMPARISONS: ComparisonResult[][] = BODIES.map((production) =>
  BODIES.map((candidate) =>
    compare(
      decodeAnswer('application/json', production, 'utf8'),
      decodeAnswer('application/json', candidate, 'utf8'),
    ),
  ),
);
const comparisonOf = (production: number, candidate: number) =>
  COMPARISONS[production]?.[candidate] as ComparisonResult;

function result(
  endpoint: string,
  random: Random,
  answer: number,
  errorRate: number,
  shiftMs: number,
): StoredModelResult {
  const latencyMs = round((productionLatency(random) + shiftMs) * 10) / 10;
  if (bernoulli(random, errorRate)) {
    return {
      endpoint,
      latencyMs,
      status: 'error',
      error: { code: 'model_error', message: 'synthetic failure' },
    };
  }
  const body = BODIES[answer] as string;
  return { endpoint, latencyMs, status: 'ok', contentType: 'application/json', body, encoding: 'utf8' };
}

const START = Date.parse('2025-01-01T00:00:00Z');
const EXPIRES_AT = floor(START / 1000) + 86_400;
const INPUT = { contentType: 'application/json', bytes: 10, sha256: '0'.repeat(64) };
/** Record i arrives 5 s after record i - 1; the time stamps are shared by every run. */
const receivedAtOf: string[] = [];
function receivedAt(i: number): string {
  for (let j = receivedAtOf.length; j <= i; j++) receivedAtOf.push(new Date(START + j * 5_000).toISOString());
  return receivedAtOf[i] as string;
}

/** `count` records of one experiment, starting at `startIndex` (ids and times continue from there). */
export function syntheticRecords(
  truth: Truth,
  count: number,
  random: Random,
  startIndex = 0,
): ComparisonRecord[] {
  const records: ComparisonRecord[] = [];
  for (let i = startIndex; i < startIndex + count; i++) {
    const at = receivedAt(i);
    const actual: Label = bernoulli(random, 0.3) ? 'churn' : 'stay';
    const productionLabel = bernoulli(random, truth.productionAccuracy) ? actual : otherLabel(actual);
    const candidateLabel = bernoulli(random, truth.agreement) ? productionLabel : otherLabel(productionLabel);
    const canary = bernoulli(random, truth.canaryShare);

    // Scores of the same input stay close (one grid step at most), well within maxScoreDelta.
    const step = floor(random() * (PROBABILITIES.length - 1));
    const productionAnswer = answerId(productionLabel, step);
    const candidateAnswer = answerId(candidateLabel, step + (random() < 0.5 ? 0 : 1));
    const productionResult = result(PRODUCTION, random, productionAnswer, truth.productionErrorRate, 0);
    const candidateResult = result(
      CANDIDATE,
      random,
      candidateAnswer,
      truth.candidateErrorRate,
      truth.candidateShiftMs,
    );
    const comparison =
      productionResult.status === 'ok' && candidateResult.status === 'ok'
        ? comparisonOf(productionAnswer, candidateAnswer)
        : undefined;
    let noiseBaseline: CandidateComparison | undefined;
    if (!canary && productionResult.status === 'ok' && bernoulli(random, truth.noiseBaselineShare)) {
      const again = answerId(
        bernoulli(random, truth.selfAgreement) ? productionLabel : otherLabel(productionLabel),
        step,
      );
      const rerun = result(PRODUCTION, random, again, 0, 0);
      noiseBaseline = {
        endpoint: PRODUCTION,
        result: rerun,
        comparison: comparisonOf(productionAnswer, again),
      };
    }
    const conversion = canary ? truth.canaryConversion : truth.productionConversion;
    const converted = bernoulli(random, truth.conversionOutcomes) ? bernoulli(random, conversion) : undefined;
    const labelled = bernoulli(random, truth.labelOutcomes);
    // Plain assignments rather than object spreads: this loop dominates the simulation's runtime.
    const outcome: { converted?: boolean; label?: string; receivedAt: string } = { receivedAt: at };
    if (converted !== undefined) outcome.converted = converted;
    if (labelled) outcome.label = actual;
    const replay: { endpoint: string; result: StoredModelResult; comparison?: ComparisonResult } = canary
      ? { endpoint: PRODUCTION, result: productionResult }
      : { endpoint: CANDIDATE, result: candidateResult };
    if (comparison !== undefined) replay.comparison = comparison;
    const record: ComparisonRecord & { outcome?: typeof outcome; noiseBaseline?: CandidateComparison } = {
      requestId: `req-${i}`,
      receivedAt: at,
      comparedAt: at,
      servedVariant: canary ? 'canary' : 'production',
      userKey: null,
      input: INPUT,
      // A canary-served request is answered by the candidate; production is replayed in its shadow.
      production: canary ? candidateResult : productionResult,
      candidates: [replay],
      expiresAt: EXPIRES_AT,
    };
    if (converted !== undefined || labelled) record.outcome = outcome;
    if (noiseBaseline !== undefined) record.noiseBaseline = noiseBaseline;
    records.push(record);
  }
  return records;
}
