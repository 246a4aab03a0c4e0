/**
 * Seeded experiments with known truth, fed to the verdict exactly as production feeds it:
 * evidence-log lines → `createAggregator` (the TypeScript twin of the analysis SQL) →
 * `judgeAggregates`. Used by the small simulation in `npm test` and by `npm run bench:verdict`.
 */
import type { OutcomeLine, RecordLine } from '../../lambda/core/evidence/log-lines';
import type { Guardrails } from '../../lambda/core/guardrails';
import { type Aggregator, createAggregator } from '../../lambda/core/report/aggregate-lines';
import type { ExperimentAggregates, ExperimentRef } from '../../lambda/core/report/aggregates';
import { judgeAggregates } from '../../lambda/core/report/from-aggregates';
import type { Decision, GuardrailName } from '../../lambda/core/report/types';
import { logNormal, mulberry32, type Random } from '../../lambda/core/stats/random';

export const PRODUCTION = 'churn-v1';
export const CANDIDATE = 'churn-v2';
/** A second candidate: served as the canary in the two-candidate scenario. */
export const OTHER_CANDIDATE = 'churn-v3';

/** Known truth of one synthetic experiment. */
export interface Truth {
  readonly productionErrorRate: number;
  readonly candidateErrorRate: number;
  /** Candidate latency = shift + scale × (a draw from production's distribution); plus a tail. */
  readonly candidateShiftMs: number;
  readonly candidateScale: number;
  /** Share of candidate calls that get `tailMs` more. */
  readonly tailShare: number;
  readonly tailMs: number;
  readonly timeoutMs: number;
  /** Production's latent answer is right with this probability. */
  readonly productionAccuracy: number;
  /** P(candidate's latent answer is right | production's is right), and | production's is wrong. */
  readonly candidateRightWhenProductionRight: number;
  readonly candidateRightWhenProductionWrong: number;
  /** Each invocation flips the model's latent answer with this probability (nondeterminism). */
  readonly productionFlip: number;
  readonly candidateFlip: number;
  /** Share of shadow pairs with a production-vs-itself noise baseline. */
  readonly noiseBaselineShare: number;
  /** Share of requests whose label is posted later. */
  readonly labelShare: number;
  /** Canary share of users (0 = shadow only) and which candidate serves it. */
  readonly canaryShare: number;
  readonly canaryEndpoint: string;
  /** The share the configuration claims (differs from `canaryShare` in the SRM scenario). */
  readonly configuredCanaryShare?: number;
  readonly productionConversion: number;
  readonly canaryConversion: number;
  /** Share of requests that get a conversion outcome. */
  readonly conversionShare: number;
  readonly requestsPerUser: number;
  /** Intra-user correlation of conversions (beta-binomial ICC). */
  readonly userCorrelation: number;
  /** Candidates replayed in the shadow (the judged one first). */
  readonly replayed: readonly string[];
  /** The candidate judged. */
  readonly judged: string;
}

export const IDENTICAL: Truth = {
  productionErrorRate: 0.002,
  candidateErrorRate: 0.002,
  candidateShiftMs: 0,
  candidateScale: 1,
  tailShare: 0,
  tailMs: 0,
  timeoutMs: 2000,
  productionAccuracy: 0.85,
  candidateRightWhenProductionRight: 1,
  candidateRightWhenProductionWrong: 0,
  productionFlip: 0,
  candidateFlip: 0,
  noiseBaselineShare: 0,
  labelShare: 0.3,
  canaryShare: 0,
  canaryEndpoint: CANDIDATE,
  productionConversion: 0.1,
  canaryConversion: 0.1,
  conversionShare: 1,
  requestsPerUser: 1,
  userCorrelation: 0,
  replayed: [CANDIDATE],
  judged: CANDIDATE,
};

/**
 * The guardrails of the scenarios: each bad scenario's true effect is twice the distance from
 * the healthy value to its limit (the "margin") unless it says otherwise. The experiments are
 * planned for the 20,000 records each run reads (`plannedRecords`, the scenarios' `horizon`):
 * conversion's REJECT test spends most of its error rate by then.
 */
export const GUARDRAILS: Guardrails = {
  maxP99LatencyMs: 200,
  maxLatencyIncreaseMs: 10,
  maxErrorRate: 0.01,
  minAgreement: 0.95,
  agreement: 'guardrail',
  maxAccuracyDrop: 0.01,
  maxConversionDrop: 0.02,
  minSampleSize: 500,
  plannedRecords: 20_000,
  minConversionTraffic: 20,
  maxShadowBacklogAgeSeconds: 300,
};

/** Production latency: 80 ms + log-normal(median 50 ms, sigma 0.25): p99 ≈ 169 ms. */
const LOG_50 = Math.log(50);
export function productionLatency(random: Random): number {
  return 80 + logNormal(random, LOG_50, 0.25);
}

const START = Date.parse('2026-01-01T00:00:00Z');
const LABELS = ['churn', 'stay'] as const;
const other = (label: string) => (label === 'churn' ? 'stay' : 'churn');

export function experimentOf(truth: Truth, id = 'exp-1'): ExperimentRef {
  const candidates = [
    ...new Set([...truth.replayed, ...(truth.canaryShare > 0 ? [truth.canaryEndpoint] : [])]),
  ];
  return {
    id,
    since: new Date(START).toISOString(),
    until: new Date(START + 86_400_000 * 30).toISOString(),
    production: PRODUCTION,
    candidates,
    canaryPercent: 100 * (truth.configuredCanaryShare ?? truth.canaryShare),
    sampleRate: 1,
    noiseBaselineRate: truth.noiseBaselineShare,
  };
}

/** Generates one experiment's log lines request by request. */
export class ExperimentGenerator {
  private index = 0;
  private user = -1;
  private userCanary = false;
  private userRate = 0;
  constructor(
    private readonly truth: Truth,
    private readonly random: Random,
    private readonly experimentId = 'exp-1',
    /** Milliseconds between requests. */
    private readonly spacingMs = 5_000,
  ) {}

  /** The next request's record lines and outcome lines. */
  next(): { records: RecordLine[]; outcomes: OutcomeLine[] } {
    const { truth, random } = this;
    const i = this.index++;
    const userIndex = Math.floor(i / truth.requestsPerUser);
    if (userIndex !== this.user) {
      this.user = userIndex;
      this.userCanary = random() < truth.canaryShare;
      const mean = this.userCanary ? truth.canaryConversion : truth.productionConversion;
      this.userRate = userRate(random, mean, truth.userCorrelation);
    }
    const receivedAtMs = START + i * this.spacingMs;
    const receivedAt = new Date(receivedAtMs).toISOString();
    const requestId = `req-${i}`;
    const userKey = `user-${userIndex}`;
    const actual = LABELS[random() < 0.3 ? 0 : 1] as string;
    const productionLatent = random() < truth.productionAccuracy ? actual : other(actual);
    const productionRight = productionLatent === actual;
    const candidateRight =
      random() <
      (productionRight ? truth.candidateRightWhenProductionRight : truth.candidateRightWhenProductionWrong);
    const candidateLatent = candidateRight ? actual : other(actual);
    const invoke = (latent: string, flip: number) => (random() < flip ? other(latent) : latent);

    const canary = this.userCanary;
    const servedEndpoint = canary ? truth.canaryEndpoint : PRODUCTION;
    const servedFailed = random() < (canary ? truth.candidateErrorRate : truth.productionErrorRate);
    const servedLatency = canary ? this.candidateLatency() : productionLatency(random);
    const servedLabel = canary
      ? invoke(candidateLatent, truth.candidateFlip)
      : invoke(productionLatent, truth.productionFlip);
    const served = {
      failed: servedFailed,
      latencyMs: servedFailed ? truth.timeoutMs : round(servedLatency),
      label: servedFailed ? null : servedLabel,
    };
    const records: RecordLine[] = [];
    if (canary) {
      records.push(
        recordLine(
          this.experimentId,
          requestId,
          receivedAt,
          receivedAtMs,
          userKey,
          true,
          servedEndpoint,
          served,
          truth.timeoutMs,
          null,
        ),
      );
    } else {
      const noise =
        !servedFailed && random() < truth.noiseBaselineShare
          ? invoke(productionLatent, truth.productionFlip) === servedLabel
          : null;
      for (const endpoint of truth.replayed) {
        // Another replay-only candidate: identical to production.
        const judged = endpoint === truth.judged;
        const failed = random() < (judged ? truth.candidateErrorRate : truth.productionErrorRate);
        const latency = judged ? this.candidateLatency() : productionLatency(random);
        const label = judged
          ? invoke(candidateLatent, truth.candidateFlip)
          : invoke(productionLatent, truth.productionFlip);
        records.push(
          recordLine(
            this.experimentId,
            requestId,
            receivedAt,
            receivedAtMs,
            userKey,
            false,
            servedEndpoint,
            served,
            truth.timeoutMs,
            {
              endpoint,
              failed,
              latencyMs: failed ? truth.timeoutMs : round(latency),
              label: failed ? null : label,
              noise,
            },
          ),
        );
      }
    }
    const outcomes: OutcomeLine[] = [];
    const converted = random() < truth.conversionShare ? random() < this.userRate : null;
    const labelled = random() < truth.labelShare;
    if (converted !== null || labelled) {
      outcomes.push({
        v: 1,
        requestId,
        postedAt: receivedAt,
        dt: receivedAt.slice(0, 10),
        converted: truth.canaryShare > 0 ? converted : null,
        value: null,
        label: labelled ? actual : null,
      });
    }
    return { records, outcomes };
  }

  private candidateLatency(): number {
    const { truth, random } = this;
    let x = truth.candidateShiftMs + truth.candidateScale * productionLatency(random);
    if (truth.tailShare > 0 && random() < truth.tailShare) x += truth.tailMs;
    return x;
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

interface Call {
  readonly failed: boolean;
  readonly latencyMs: number;
  readonly label: string | null;
}

/** One log line, built as one literal (a fixed shape keeps the simulation fast). */
function recordLine(
  experiment: string,
  requestId: string,
  receivedAt: string,
  receivedAtMs: number,
  userKey: string,
  canary: boolean,
  servedEndpoint: string,
  served: Call,
  timeoutMs: number,
  replay: (Call & { readonly endpoint: string; readonly noise: boolean | null }) | null,
): RecordLine {
  const both = replay !== null && !replay.failed && !served.failed;
  const agree = both ? replay.label === served.label : null;
  return {
    v: 1,
    requestId,
    experiment,
    receivedAt,
    receivedAtMs,
    dt: receivedAt.slice(0, 10),
    servedVariant: canary ? 'canary' : 'production',
    userKey,
    // A canary-served answer is the candidate's own: it is never shadow-sampled.
    shadowSampled: !canary,
    servedEndpoint,
    servedStatus: served.failed ? 'error' : 'ok',
    servedErrorCode: served.failed ? 'model_error' : null,
    servedLatencyMs: served.latencyMs,
    servedLabel: served.label,
    candidateEndpoint: replay === null ? null : replay.endpoint,
    candidateStatus: replay === null ? null : replay.failed ? 'error' : 'ok',
    candidateErrorCode: replay?.failed ? 'model_error' : null,
    candidateLatencyMs: replay === null ? null : replay.latencyMs,
    candidateLabel: replay === null ? null : replay.label,
    agree,
    reason: agree === false ? 'label differs' : null,
    noiseAgree: both ? (replay?.noise ?? null) : null,
    metricEqual: null,
    metricLabelMatch: null,
    metricScoreDelta: null,
    metricFieldsChecked: null,
    metricFieldsDisagreeing: null,
    metricMaxAbsDelta: null,
    metricOverlap: null,
    metricRankCorrelation: null,
    timeoutMs,
    servedTimeoutMs: timeoutMs,
  };
}

/** A user's conversion rate: Beta with the given mean and intra-user correlation (0: the mean). */
function userRate(random: Random, mean: number, icc: number): number {
  if (icc <= 0) return mean;
  const total = (1 - icc) / icc;
  return betaDraw(random, mean * total, (1 - mean) * total);
}

/** Beta(a, b) by Jöhnk / gamma ratio (Marsaglia–Tsang gammas). */
function betaDraw(random: Random, a: number, b: number): number {
  const x = gammaDraw(random, a);
  const y = gammaDraw(random, b);
  return x / (x + y);
}

function gammaDraw(random: Random, shape: number): number {
  if (shape < 1) return gammaDraw(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = 1 - random();
      const u2 = random();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export interface Scenario {
  readonly name: string;
  readonly truth: Truth;
  /** The right verdict; for a bad candidate, REJECT naming `guardrail`. */
  readonly expected: Exclude<Decision, 'CONTINUE'>;
  readonly guardrail?: GuardrailName;
  /** Guardrails truly violated too: a REJECT naming any of them is right. @default [guardrail] */
  readonly acceptable?: readonly GuardrailName[];
  readonly guardrails?: Guardrails;
  /**
   * Whether the candidate is bad in truth (a false PROMOTE counts against alpha). A scenario on
   * the limit is bad but not expected to be decided in time.
   */
  readonly bad: boolean;
  /**
   * The truth sits exactly on a limit, inside REJECT's null too: a REJECT is false as well, and
   * counts in `falseReject` although `expected` names REJECT (like the other on-the-limit rows).
   */
  readonly onLimit?: boolean;
  /** Records in the experiment when the run stops. */
  readonly horizon: number;
  /** Look every this many records. */
  readonly peekEvery: number;
  /** Fixed-horizon records for the same decision at the same alpha with 90 % power (analytic). */
  readonly fixedHorizon?: number;
  /** What the fixed horizon is for ("rates" or "p99"), for the targets. */
  readonly kind?: 'rates' | 'p99';
}

export interface RunResult {
  /** First decision (PROMOTE / REJECT / INVALID) and the records at it; CONTINUE if none. */
  readonly first: Decision;
  readonly firstAt: number | null;
  readonly guardrail: GuardrailName | undefined;
  readonly everPromote: boolean;
  readonly everReject: boolean;
  readonly everInvalid: boolean;
  readonly final: Decision;
}

/** One seeded run: generate, aggregate and judge at every look. */
export function runOnce(scenario: Scenario, seed: number, options: { alpha?: number } = {}): RunResult {
  const random = mulberry32(seed);
  const truth = scenario.truth;
  const generator = new ExperimentGenerator(truth, random);
  const aggregator: Aggregator = createAggregator({
    experiment: experimentOf(truth),
    candidate: truth.judged,
  });
  const guardrails = scenario.guardrails ?? GUARDRAILS;
  let first: Decision = 'CONTINUE';
  let firstAt: number | null = null;
  let guardrail: GuardrailName | undefined;
  let everPromote = false;
  let everReject = false;
  let everInvalid = false;
  let final: Decision = 'CONTINUE';
  for (let n = 1; n <= scenario.horizon; n++) {
    const { records, outcomes } = generator.next();
    for (const line of records) aggregator.addRecord(line);
    for (const line of outcomes) aggregator.addOutcome(line);
    if (n % scenario.peekEvery !== 0 && n !== scenario.horizon) continue;
    const { verdict } = judgeAggregates(aggregator.aggregates(), guardrails, {
      ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
      projections: false,
    });
    final = verdict.decision;
    if (final === 'PROMOTE') everPromote = true;
    if (final === 'REJECT') everReject = true;
    if (final === 'INVALID') everInvalid = true;
    if (first === 'CONTINUE' && final !== 'CONTINUE') {
      first = final;
      firstAt = n;
      guardrail = verdict.guardrail;
    }
  }
  return { first, firstAt, guardrail, everPromote, everReject, everInvalid, final };
}

export interface ScenarioResult {
  readonly name: string;
  readonly runs: number;
  readonly expected: Decision;
  /** First decision is the expected one (and names the expected guardrail). */
  readonly right: number;
  readonly falsePromote: number;
  readonly falseReject: number;
  /** Runs that were ever INVALID (wrong unless INVALID is the right verdict). */
  readonly invalid: number;
  readonly undecided: number;
  /** Records at the first decision over the runs that decided rightly. */
  readonly medianSamples: number | null;
  readonly p90Samples: number | null;
  readonly fixedHorizon: number | null;
  readonly milliseconds: number;
}

export function runScenario(scenario: Scenario, runs: number, seed: number, alpha = 0.05): ScenarioResult {
  const started = Date.now();
  let right = 0;
  let falsePromote = 0;
  let falseReject = 0;
  let invalid = 0;
  let undecided = 0;
  const sizes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const r = runOnce(scenario, seed * 100_003 + run, { alpha });
    const accepted =
      scenario.acceptable ?? (scenario.guardrail === undefined ? undefined : [scenario.guardrail]);
    const isRight =
      r.first === scenario.expected &&
      (accepted === undefined || (r.guardrail !== undefined && accepted.includes(r.guardrail)));
    if (isRight) {
      right++;
      if (r.firstAt !== null) sizes.push(r.firstAt);
    }
    if (scenario.bad && r.everPromote) falsePromote++;
    if ((scenario.expected !== 'REJECT' || scenario.onLimit === true) && r.everReject) falseReject++;
    if (r.everInvalid) invalid++;
    if (r.first === 'CONTINUE') undecided++;
  }
  sizes.sort((a, b) => a - b);
  const quantile = (p: number) =>
    sizes.length === 0
      ? null
      : (sizes[Math.min(sizes.length - 1, Math.ceil(p * sizes.length) - 1)] as number);
  return {
    name: scenario.name,
    runs,
    expected: scenario.expected,
    right: right / runs,
    falsePromote: falsePromote / runs,
    falseReject: falseReject / runs,
    invalid: invalid / runs,
    undecided: undecided / runs,
    medianSamples: quantile(0.5),
    p90Samples: quantile(0.9),
    fixedHorizon: scenario.fixedHorizon ?? null,
    milliseconds: Date.now() - started,
  };
}

/** Aggregates of one generated experiment, for tests and for wiring the report end to end. */
export function simulatedAggregates(truth: Truth, requests: number, seed = 1): ExperimentAggregates {
  const generator = new ExperimentGenerator(truth, mulberry32(seed));
  const aggregator = createAggregator({ experiment: experimentOf(truth), candidate: truth.judged });
  for (let i = 0; i < requests; i++) {
    const { records, outcomes } = generator.next();
    for (const line of records) aggregator.addRecord(line);
    for (const line of outcomes) aggregator.addOutcome(line);
  }
  return aggregator.aggregates();
}

/**
 * Median records at which each guardrail was first decided (met or violated), over `runs` seeded
 * runs stopped at the verdict's first decision: which guardrail a PROMOTE waited for.
 */
export function firstDecidedPerGuardrail(
  scenario: Scenario,
  runs: number,
  seed: number,
  alpha = 0.05,
): Partial<Record<GuardrailName, { readonly median: number; readonly decidedRuns: number }>> {
  const at = new Map<GuardrailName, number[]>();
  for (let run = 0; run < runs; run++) {
    const generator = new ExperimentGenerator(scenario.truth, mulberry32(seed * 100_003 + run));
    const aggregator = createAggregator({
      experiment: experimentOf(scenario.truth),
      candidate: scenario.truth.judged,
    });
    const seen = new Set<GuardrailName>();
    for (let n = 1; n <= scenario.horizon; n++) {
      const { records, outcomes } = generator.next();
      for (const line of records) aggregator.addRecord(line);
      for (const line of outcomes) aggregator.addOutcome(line);
      if (n % scenario.peekEvery !== 0) continue;
      const { guardrails, verdict } = judgeAggregates(
        aggregator.aggregates(),
        scenario.guardrails ?? GUARDRAILS,
        {
          alpha,
          projections: false,
        },
      );
      for (const check of guardrails) {
        if ((check.status === 'met' || check.status === 'violated') && !seen.has(check.guardrail)) {
          seen.add(check.guardrail);
          at.set(check.guardrail, [...(at.get(check.guardrail) ?? []), n]);
        }
      }
      if (verdict.decision !== 'CONTINUE') break;
    }
  }
  const out: Partial<Record<GuardrailName, { median: number; decidedRuns: number }>> = {};
  for (const [name, sizes] of at) {
    sizes.sort((a, b) => a - b);
    out[name] = { median: sizes[Math.ceil(sizes.length / 2) - 1] as number, decidedRuns: sizes.length };
  }
  return out;
}
