/**
 * `ExperimentAggregates` computed in TypeScript from evidence-log lines: the reference the SQL
 * of the analysis engine is tested against, and what the simulations feed the verdict with.
 * Incremental, so a simulation that looks after every batch pays for each line once.
 *
 * Semantics (the same as the SQL, docs/evidence-log.md):
 * - a record line is keyed by request id + candidate endpoint, an outcome merges into its
 *   request first-wins per field; either may arrive first;
 * - a request's served call counts once for the served endpoint, each replay for its endpoint;
 * - a failed call counts at max(latency, timeout); a client error counts for no model;
 * - a line with a negative or non-finite latency is counted in `invalidRecords` and not used;
 * - a request without a user key is its own user (unit of randomization: the request).
 */
import type { OutcomeLine, RecordLine } from '../evidence/log-lines';
import {
  type CanaryArm,
  type ExperimentAggregates,
  type ExperimentRef,
  type LatencyBuckets,
  latencyBucket,
  type MetricSums,
  type Moments,
  type PairedCounts,
  type TimelineRow,
  type UserRatioSums,
} from './aggregates';

const { floor, log, max } = Math;
const finite = Number.isFinite;

export interface AggregatorOptions {
  readonly experiment: ExperimentRef;
  /** The candidate judged. @default the first of `experiment.candidates` */
  readonly candidate?: string;
  /** Timeline bucket width. @default 60 */
  readonly bucketMinutes?: number;
}

export interface Aggregator {
  addRecord(line: RecordLine): void;
  addOutcome(line: OutcomeLine): void;
  /** The aggregates so far (an independent snapshot). */
  aggregates(): ExperimentAggregates;
}

/** A latency is a duration: finite and not negative. */
export function isValidLatency(latencyMs: number | null): boolean {
  return latencyMs !== null && finite(latencyMs) && latencyMs >= 0;
}

class Histogram {
  readonly counts = new Map<number, number>();
  add(latencyMs: number): void {
    const b = latencyBucket(latencyMs);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
  }
  snapshot(): LatencyBuckets {
    return [...this.counts].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  }
}

class MomentSums {
  n = 0;
  sum = 0;
  sumSquares = 0;
  add(x: number): void {
    this.n += 1;
    this.sum += x;
    this.sumSquares += x * x;
  }
  snapshot(): Moments {
    return { n: this.n, sum: this.sum, sumSquares: this.sumSquares };
  }
}

class Paired {
  n00 = 0;
  n01 = 0;
  n10 = 0;
  n11 = 0;
  add(first: boolean, second: boolean): void {
    if (first) {
      if (second) this.n11++;
      else this.n10++;
    } else if (second) this.n01++;
    else this.n00++;
  }
  snapshot(): PairedCounts {
    return { n00: this.n00, n01: this.n01, n10: this.n10, n11: this.n11 };
  }
}

/** Per-user sums of a ratio metric, updated as one user's (m, y) changes. */
class RatioSums {
  private readonly perUser = new Map<string, [number, number]>();
  sumM = 0;
  sumY = 0;
  sumM2 = 0;
  sumY2 = 0;
  sumMY = 0;
  add(user: string, m: number, y: number): void {
    const current = this.perUser.get(user) ?? [0, 0];
    const [m0, y0] = current;
    const [m1, y1] = [m0 + m, y0 + y];
    this.sumM += m;
    this.sumY += y;
    this.sumM2 += m1 * m1 - m0 * m0;
    this.sumY2 += y1 * y1 - y0 * y0;
    this.sumMY += m1 * y1 - m0 * y0;
    current[0] = m1;
    current[1] = y1;
    this.perUser.set(user, current);
  }
  snapshot(users: number): UserRatioSums {
    return {
      users,
      sumM: this.sumM,
      sumY: this.sumY,
      sumM2: this.sumM2,
      sumY2: this.sumY2,
      sumMY: this.sumMY,
    };
  }
}

interface ModelState {
  calls: number;
  errors: number;
  clientErrors: number;
  readonly latency: Histogram;
  readonly moments: MomentSums;
  readonly logMoments: MomentSums;
}

const modelState = (): ModelState => ({
  calls: 0,
  errors: 0,
  clientErrors: 0,
  latency: new Histogram(),
  moments: new MomentSums(),
  logMoments: new MomentSums(),
});

interface ArmState {
  requests: number;
  errors: number;
  readonly users: Set<string>;
  readonly conversion: RatioSums;
  readonly accuracy: RatioSums;
  readonly value: RatioSums;
  readonly latency: Histogram;
}

/** What is known about one request: its served call, its judged pair, and its merged outcome. */
interface RequestState {
  /** The served call, once seen (first line wins). */
  served?: {
    readonly variant: 'production' | 'canary';
    readonly endpoint: string;
    readonly user: string;
    readonly label: string | null;
    readonly ok: boolean;
  };
  /** The judged pair's labels when both answered (production served, candidate replayed). */
  pair?: { readonly productionLabel: string | null; readonly candidateLabel: string | null };
  converted?: boolean;
  value?: number;
  label?: string;
  /** Which outcome fields were already counted (each at most once). */
  countedConversion?: boolean;
  countedValue?: boolean;
  countedLabel?: boolean;
}

const METRIC_COLUMNS = [
  ['metricEqual', 'equal'],
  ['metricLabelMatch', 'labelMatch'],
  ['metricScoreDelta', 'scoreDelta'],
  ['metricFieldsChecked', 'fieldsChecked'],
  ['metricFieldsDisagreeing', 'fieldsDisagreeing'],
  ['metricMaxAbsDelta', 'maxAbsDelta'],
  ['metricOverlap', 'overlap'],
  ['metricRankCorrelation', 'rankCorrelation'],
] as const;

export function createAggregator(options: AggregatorOptions): Aggregator {
  const { experiment } = options;
  const production = experiment.production;
  const candidate = options.candidate ?? experiment.candidates[0] ?? '';
  const bucketMinutes = options.bucketMinutes ?? 60;
  const width = bucketMinutes * 60_000;
  const sinceMs = Date.parse(experiment.since);

  const seenLines = new Set<string>();
  const requests = new Map<string, RequestState>();
  let records = 0;
  let duplicates = 0;
  let invalidRecords = 0;
  let shadowSampled = 0;
  let from: string | null = null;
  let to: string | null = null;
  const productionModel = modelState();
  const candidateModel = modelState();
  let pairs = 0;
  const pairErrors = new Paired();
  let comparisons = 0;
  let agreements = 0;
  const agreementWithNoise = new Paired();
  const latencyDifference = new MomentSums();
  const productionPairLatency = new Histogram();
  const candidatePairLatency = new Histogram();
  const pairAccuracy = new Paired();
  const arms = new Map<string, ArmState>();
  const outcomes = { converted: 0, labelled: 0, withValue: 0 };
  const timeline = new Map<number, { -readonly [K in keyof TimelineRow]: TimelineRow[K] }>();
  const reasons = new Map<string, number>();
  const metrics = new Map<string, { count: number; sum: number; min: number; max: number }>();

  const effective = (status: string, latencyMs: number, timeoutMs: number) =>
    status === 'error' ? max(latencyMs, timeoutMs) : latencyMs;
  const observeCall = (model: ModelState, status: string, latencyMs: number, timeoutMs: number) => {
    if (status === 'client_error') {
      model.clientErrors += 1;
      return;
    }
    model.calls += 1;
    if (status === 'error') model.errors += 1;
    const x = effective(status, latencyMs, timeoutMs);
    model.latency.add(x);
    model.moments.add(x);
    model.logMoments.add(log(max(x, 0.001)));
  };
  const modelOf = (endpoint: string | null) =>
    endpoint === production ? productionModel : endpoint === candidate ? candidateModel : undefined;
  const armOf = (variant: string, endpoint: string): ArmState => {
    const key = `${variant}\u0000${endpoint}`;
    let arm = arms.get(key);
    if (arm === undefined) {
      arm = {
        requests: 0,
        errors: 0,
        users: new Set(),
        conversion: new RatioSums(),
        accuracy: new RatioSums(),
        value: new RatioSums(),
        latency: new Histogram(),
      };
      arms.set(key, arm);
    }
    return arm;
  };
  const timelineRow = (receivedAtMs: number) => {
    const start = floor(receivedAtMs / width) * width;
    let row = timeline.get(start);
    if (row === undefined) {
      row = {
        start: new Date(start).toISOString(),
        records: 0,
        comparisons: 0,
        agreements: 0,
        candidateCalls: 0,
        candidateErrors: 0,
        productionCalls: 0,
        productionErrors: 0,
      };
      timeline.set(start, row);
    }
    return row;
  };

  /** Counts the outcome fields that became usable (record and outcome both known). */
  const joinOutcome = (state: RequestState) => {
    const served = state.served;
    if (served === undefined) return;
    const arm = armOf(served.variant, served.endpoint);
    if (state.converted !== undefined && !state.countedConversion) {
      state.countedConversion = true;
      outcomes.converted += 1;
      arm.conversion.add(served.user, 1, state.converted ? 1 : 0);
    }
    if (state.value !== undefined && !state.countedValue) {
      state.countedValue = true;
      outcomes.withValue += 1;
      arm.value.add(served.user, 1, state.value);
    }
    if (state.label !== undefined && !state.countedLabel) {
      state.countedLabel = true;
      outcomes.labelled += 1;
      if (served.ok && served.label !== null) {
        arm.accuracy.add(served.user, 1, served.label === state.label ? 1 : 0);
      }
    }
    if (state.label !== undefined && state.pair !== undefined) {
      const { productionLabel, candidateLabel } = state.pair;
      if (productionLabel !== null && candidateLabel !== null) {
        pairAccuracy.add(productionLabel === state.label, candidateLabel === state.label);
      }
      state.pair = undefined;
    }
  };

  const addRecord = (line: RecordLine) => {
    const receivedAtMs = Date.parse(line.receivedAt);
    if (line.experiment !== experiment.id || !(receivedAtMs >= sinceMs)) return;
    const key = `${line.requestId}\u0000${line.candidateEndpoint ?? ''}`;
    if (seenLines.has(key)) {
      duplicates += 1;
      return;
    }
    seenLines.add(key);
    if (
      !isValidLatency(line.servedLatencyMs) ||
      (line.candidateEndpoint !== null &&
        line.candidateStatus !== null &&
        !isValidLatency(line.candidateLatencyMs))
    ) {
      invalidRecords += 1;
      return;
    }
    let state = requests.get(line.requestId);
    if (state === undefined) {
      state = {};
      requests.set(line.requestId, state);
    }
    const row = timelineRow(receivedAtMs);
    const firstOfRequest = state.served === undefined;
    if (firstOfRequest) {
      records += 1;
      row.records += 1;
      if (from === null || line.receivedAt < from) from = line.receivedAt;
      if (to === null || line.receivedAt > to) to = line.receivedAt;
      if (line.shadowSampled) shadowSampled += 1;
      const user = line.userKey ?? `request:${line.requestId}`;
      state.served = {
        variant: line.servedVariant,
        endpoint: line.servedEndpoint,
        user,
        label: line.servedLabel,
        ok: line.servedStatus === 'ok',
      };
      const served = modelOf(line.servedEndpoint);
      if (served !== undefined) {
        observeCall(served, line.servedStatus, line.servedLatencyMs, line.timeoutMs);
        if (line.servedStatus !== 'client_error') {
          if (served === candidateModel) {
            row.candidateCalls += 1;
            if (line.servedStatus === 'error') row.candidateErrors += 1;
          } else {
            row.productionCalls += 1;
            if (line.servedStatus === 'error') row.productionErrors += 1;
          }
        }
      }
      if (line.servedStatus !== 'client_error') {
        const arm = armOf(line.servedVariant, line.servedEndpoint);
        arm.requests += 1;
        arm.users.add(user);
        if (line.servedStatus === 'error') arm.errors += 1;
        arm.latency.add(effective(line.servedStatus, line.servedLatencyMs, line.timeoutMs));
      }
    }
    const replayed = modelOf(line.candidateEndpoint);
    if (replayed !== undefined && line.candidateStatus !== null && line.candidateLatencyMs !== null) {
      observeCall(replayed, line.candidateStatus, line.candidateLatencyMs, line.timeoutMs);
      if (line.candidateStatus !== 'client_error') {
        if (replayed === candidateModel) {
          row.candidateCalls += 1;
          if (line.candidateStatus === 'error') row.candidateErrors += 1;
        } else {
          row.productionCalls += 1;
          if (line.candidateStatus === 'error') row.productionErrors += 1;
        }
      }
    }
    const isPair =
      line.servedEndpoint === production &&
      line.candidateEndpoint === candidate &&
      line.candidateStatus !== null &&
      line.candidateLatencyMs !== null &&
      line.servedStatus !== 'client_error' &&
      line.candidateStatus !== 'client_error';
    if (isPair && line.candidateStatus !== null && line.candidateLatencyMs !== null) {
      pairs += 1;
      const productionFailed = line.servedStatus === 'error';
      const candidateFailed = line.candidateStatus === 'error';
      pairErrors.add(productionFailed, candidateFailed);
      const p = effective(line.servedStatus, line.servedLatencyMs, line.timeoutMs);
      const c = effective(line.candidateStatus, line.candidateLatencyMs, line.timeoutMs);
      productionPairLatency.add(p);
      candidatePairLatency.add(c);
      latencyDifference.add(c - p);
      if (line.agree !== null) {
        comparisons += 1;
        row.comparisons += 1;
        if (line.agree) {
          agreements += 1;
          row.agreements += 1;
        } else {
          const reason = line.reason ?? 'disagree';
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
        if (line.noiseAgree !== null) agreementWithNoise.add(line.noiseAgree, line.agree);
        for (const [column, name] of METRIC_COLUMNS) {
          const value = line[column];
          if (value === null || !finite(value)) continue;
          const m = metrics.get(name);
          if (m === undefined) metrics.set(name, { count: 1, sum: value, min: value, max: value });
          else {
            m.count += 1;
            m.sum += value;
            if (value < m.min) m.min = value;
            if (value > m.max) m.max = value;
          }
        }
      }
      if (!productionFailed && !candidateFailed) {
        state.pair = { productionLabel: line.servedLabel, candidateLabel: line.candidateLabel };
      }
    }
    joinOutcome(state);
  };

  const addOutcome = (line: OutcomeLine) => {
    let state = requests.get(line.requestId);
    if (state === undefined) {
      state = {};
      requests.set(line.requestId, state);
    }
    if (state.converted === undefined && line.converted !== null) state.converted = line.converted;
    if (state.value === undefined && line.value !== null && finite(line.value)) state.value = line.value;
    if (state.label === undefined && line.label !== null) state.label = line.label;
    joinOutcome(state);
  };

  const modelSnapshot = (endpoint: string, m: ModelState) => ({
    endpoint,
    calls: m.calls,
    errors: m.errors,
    clientErrors: m.clientErrors,
    latency: m.latency.snapshot(),
    latencyMoments: m.moments.snapshot(),
    logLatencyMoments: m.logMoments.snapshot(),
  });

  const aggregates = (): ExperimentAggregates => {
    const canary: CanaryArm[] = [];
    if (experiment.canaryPercent > 0 || [...arms.keys()].some((k) => k.startsWith('canary'))) {
      for (const [key, arm] of [...arms].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const [variant, endpoint] = key.split('\u0000') as ['production' | 'canary', string];
        canary.push({
          variant,
          endpoint,
          requests: arm.requests,
          users: arm.users.size,
          conversion: arm.conversion.snapshot(arm.users.size),
          accuracy: arm.accuracy.snapshot(arm.users.size),
          value: arm.value.snapshot(arm.users.size),
          errors: arm.errors,
          latency: arm.latency.snapshot(),
        });
      }
    }
    return {
      experiment,
      candidate,
      records,
      duplicates,
      invalidRecords,
      from,
      to,
      requestsSeen: experiment.canaryPercent > 0 ? records : null,
      shadowSampled,
      production: modelSnapshot(production, productionModel),
      candidateCalls: modelSnapshot(candidate, candidateModel),
      shadow: {
        pairs,
        errors: pairErrors.snapshot(),
        comparisons,
        agreements,
        agreementWithNoise: agreementWithNoise.snapshot(),
        latencyDifference: latencyDifference.snapshot(),
        productionLatency: productionPairLatency.snapshot(),
        candidateLatency: candidatePairLatency.snapshot(),
        accuracy: pairAccuracy.snapshot(),
      },
      canary,
      outcomes: { ...outcomes },
      timeline: {
        bucketMinutes,
        rows: [...timeline.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => ({ ...row })),
      },
      reasons: [...reasons]
        .sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : 1))
        .slice(0, 10)
        .map(([reason, count]) => ({ reason, count })),
      metrics: [...metrics]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, m]): MetricSums => ({ name, ...m })),
    };
  };

  return { addRecord, addOutcome, aggregates };
}

/** Aggregates of a whole log at once. */
export function aggregateLines(
  records: readonly RecordLine[],
  outcomeLines: readonly OutcomeLine[],
  options: AggregatorOptions,
): ExperimentAggregates {
  const aggregator = createAggregator(options);
  for (const line of records) aggregator.addRecord(line);
  for (const line of outcomeLines) aggregator.addOutcome(line);
  return aggregator.aggregates();
}
