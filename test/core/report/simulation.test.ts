/**
 * Synthetic experiments with known truth, each repeated over seeded runs. At every interim look
 * ("peek") the verdict is computed exactly as `buildReport` computes it (same evidence
 * collection, same checks). A run's decision is its first PROMOTE or REJECT — what a team acting
 * on the report would do — and must match the truth in the large majority of runs. A bad
 * candidate counts as falsely promoted if ANY peek said PROMOTE, even after a REJECT.
 *
 * Guardrails: p99 <= 180 ms, p99 increase <= 30 ms, error rate <= 1%, agreement >= 98%,
 * conversion drop <= 0.2 points, 500 comparisons. Production: p99 ≈ 169 ms, 0.2% errors; the
 * candidate's answers agree with production's 99% of the time when it is the same model
 * (nondeterministic inference), and its users convert like production's.
 */
import type { ComparisonRecord } from '../../../lambda/core/comparison-record';
import type { Guardrails } from '../../../lambda/core/guardrails';
import {
  buildReport,
  createEvidenceCollector,
  type Decision,
  type GuardrailName,
  judgeEvidence,
} from '../../../lambda/core/report';
import { mulberry32 } from '../../../lambda/core/stats/random';
import { CANDIDATE, COMPARATOR, IDENTICAL, PRODUCTION, syntheticRecords, type Truth } from './synthetic';

const ALPHA = 0.05;
const guardrails: Guardrails = {
  maxP99LatencyMs: 180,
  maxLatencyIncreaseMs: 30,
  maxErrorRate: 0.01,
  minAgreement: 0.98,
  maxConversionDrop: 0.002,
  minSampleSize: 500,
  minConversionTraffic: 0,
  maxShadowBacklogAgeSeconds: 300,
};

interface Experiment {
  readonly truth: Truth;
  readonly expected: Exclude<Decision, 'CONTINUE'>;
  /** The guardrail a REJECT must name. */
  readonly guardrail?: GuardrailName;
  readonly horizon: number;
  readonly runs: number;
  readonly seed: number;
}

interface Outcome {
  readonly finalCorrect: number;
  readonly firstDecisionCorrect: number;
  readonly anyPromote: number;
  readonly anyReject: number;
  readonly peeksPerRun: number;
  readonly meanDecisionSize: number;
  /** Candidate minus production accuracy at the horizon, averaged over runs. */
  readonly finalAccuracyDrop: number | null;
  readonly milliseconds: number;
}

/** Looks at 100, 200, 300, 400, then every ×1.25 from 500, and at the horizon. */
function peekSchedule(horizon: number): number[] {
  const peeks = [100, 200, 300, 400];
  for (let n = 500; n < horizon; n = Math.ceil(n * 1.25)) peeks.push(n);
  peeks.push(horizon);
  return peeks;
}

function simulate(experiment: Experiment): Outcome {
  const started = Date.now();
  const peeks = peekSchedule(experiment.horizon);
  let finalCorrect = 0;
  let firstDecisionCorrect = 0;
  let anyPromote = 0;
  let anyReject = 0;
  let decisionSizes = 0;
  let accuracyDrops = 0;
  let accuracyRuns = 0;
  for (let run = 0; run < experiment.runs; run++) {
    const random = mulberry32(experiment.seed * 1000 + run);
    const collector = createEvidenceCollector(
      { production: PRODUCTION, candidate: CANDIDATE, candidates: [CANDIDATE] },
      { comparator: COMPARATOR },
    );
    const all: ComparisonRecord[] = [];
    let seen = 0;
    let first: Decision | undefined;
    let promoted = false;
    let rejected = false;
    let last: Decision = 'CONTINUE';
    for (const peek of peeks) {
      const batch = syntheticRecords(experiment.truth, peek - seen, random, seen);
      for (const record of batch) collector.add(record);
      if (run === 0) all.push(...batch);
      seen = peek;
      const { verdict } = judgeEvidence(collector.evidence(), guardrails, { alpha: ALPHA });
      last = verdict.decision;
      if (last === 'PROMOTE') promoted = true;
      if (last === 'REJECT') {
        rejected = true;
        if (experiment.guardrail !== undefined && verdict.guardrail !== experiment.guardrail) {
          throw new Error(`run ${run} rejected on ${verdict.guardrail}, expected ${experiment.guardrail}`);
        }
      }
      if (first === undefined && last !== 'CONTINUE') {
        first = last;
        decisionSizes += peek;
      }
    }
    const { productionModel, candidateModel } = collector.evidence();
    const [production, candidate] = [productionModel.accuracy, candidateModel.accuracy];
    if (production.trials > 0 && candidate.trials > 0) {
      accuracyDrops += candidate.successes / candidate.trials - production.successes / production.trials;
      accuracyRuns += 1;
    }
    if (run === 0) {
      // The full report over the same records decides exactly what the peeks decided.
      const report = buildReport(all, guardrails, { alpha: ALPHA, comparator: COMPARATOR, now: new Date(0) });
      expect(report.verdict.decision).toBe(last);
    }
    if (last === experiment.expected) finalCorrect++;
    if (first === experiment.expected) firstDecisionCorrect++;
    if (promoted) anyPromote++;
    if (rejected) anyReject++;
    if (first === undefined) decisionSizes += experiment.horizon;
  }
  return {
    finalCorrect: finalCorrect / experiment.runs,
    firstDecisionCorrect: firstDecisionCorrect / experiment.runs,
    anyPromote: anyPromote / experiment.runs,
    anyReject: anyReject / experiment.runs,
    peeksPerRun: peeks.length,
    meanDecisionSize: decisionSizes / experiment.runs,
    finalAccuracyDrop: accuracyRuns === 0 ? null : accuracyDrops / accuracyRuns,
    milliseconds: Date.now() - started,
  };
}

const summary: Record<string, Outcome> = {};

afterAll(() => {
  if (process.env.SIMULATION_SUMMARY) console.log(JSON.stringify(summary, null, 2));
});

describe('verdict simulation (seeded; peeking at every look)', () => {
  it('identical candidate: PROMOTE, never REJECT beyond alpha', () => {
    const outcome = simulate({ truth: IDENTICAL, expected: 'PROMOTE', horizon: 4000, runs: 40, seed: 1 });
    summary.identical = outcome;
    expect(outcome.firstDecisionCorrect).toBeGreaterThanOrEqual(0.9);
    expect(outcome.anyReject).toBeLessThanOrEqual(ALPHA);
  });

  it('candidate agreeing 2 points less (97% vs a 98% minimum, and less accurate): REJECT on minAgreement', () => {
    const outcome = simulate({
      truth: { ...IDENTICAL, agreement: 0.97, labelOutcomes: 0.1 },
      expected: 'REJECT',
      guardrail: 'minAgreement',
      horizon: 6000,
      runs: 50,
      seed: 2,
    });
    summary.lessAgreeing = outcome;
    expect(outcome.firstDecisionCorrect).toBeGreaterThanOrEqual(0.9);
    expect(outcome.anyPromote).toBeLessThanOrEqual(ALPHA);
    // Flipping 3% of production's labels (90% accurate) costs 0.03 * (0.9 - 0.1) = 2.4 points.
    expect(outcome.finalAccuracyDrop).toBeCloseTo(-0.024, 2);
  });

  it('candidate 20 ms slower (p99 ≈ 189 ms against a 180 ms limit): REJECT on maxP99LatencyMs', () => {
    const outcome = simulate({
      truth: { ...IDENTICAL, candidateShiftMs: 20 },
      expected: 'REJECT',
      guardrail: 'maxP99LatencyMs',
      horizon: 2000,
      runs: 40,
      seed: 3,
    });
    summary.slower = outcome;
    expect(outcome.firstDecisionCorrect).toBeGreaterThanOrEqual(0.9);
    expect(outcome.anyPromote).toBeLessThanOrEqual(ALPHA);
  });

  it('canary converting 1 point less (0.5% vs 1.5%, limit 0.2 points): REJECT on maxConversionDrop', () => {
    const outcome = simulate({
      truth: {
        ...IDENTICAL,
        canaryShare: 0.5,
        conversionOutcomes: 1,
        productionConversion: 0.015,
        canaryConversion: 0.005,
      },
      expected: 'REJECT',
      guardrail: 'maxConversionDrop',
      horizon: 14_000,
      runs: 20,
      seed: 4,
    });
    summary.conversion = outcome;
    expect(outcome.firstDecisionCorrect).toBeGreaterThanOrEqual(0.9);
    expect(outcome.anyPromote).toBeLessThanOrEqual(ALPHA);
  });

  it('candidate barely below the agreement minimum (97.8% vs 98%): hardest case for false PROMOTE', () => {
    // Too close to decide within the horizon; what matters is that peeking never promotes it.
    const outcome = simulate({
      truth: { ...IDENTICAL, agreement: 0.978 },
      expected: 'REJECT',
      guardrail: 'minAgreement',
      horizon: 6000,
      runs: 40,
      seed: 5,
    });
    summary.barelyBelow = outcome;
    expect(outcome.anyPromote).toBeLessThanOrEqual(ALPHA);
  });
});
