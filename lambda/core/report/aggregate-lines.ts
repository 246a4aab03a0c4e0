/**
 * `ExperimentAggregates` computed in TypeScript from evidence-log lines, with the semantics of
 * the analysis SQL (`core/evidence/sql/experiment-aggregates.sql.ts`, docs/evidence-log.md): the
 * reference the SQL is property-tested against, and what the simulations feed the verdict with.
 * Incremental, so a simulation that looks after every batch pays for each line once.
 *
 * Semantics (those of the SQL):
 * - a record counts when its experiment matches and `receivedAtMs` is in [since, until);
 * - lines are keyed by request id + candidate endpoint; a repeated key is a duplicate. A
 *   request's served call comes from its first line, the judged candidate's replay from its first
 *   line for that candidate; replays on other endpoints are not used;
 * - a request is invalid (counted in `invalidRecords`, used nowhere else) when its served latency
 *   or its judged replay's latency is missing, negative or not finite;
 * - a failed call counts at max(latency, timeout): the served call's `servedTimeoutMs`, the
 *   replay's `timeoutMs`; a client error counts for no model;
 * - outcome posts merge per field, the earliest `postedAt` winning, whether posted before or
 *   after the request; posts dated (`dt`) before the day before `since` are not read;
 * - a request without a user key is its own user (unit of randomization: the request);
 * - canary arms (only with a configured canary): one per variant and endpoint that served a
 *   request, with that endpoint's users, outcomes and latency. Here the SQL differs (2026-11-30):
 *   it always lists production's arm and the judged candidate's canary arm, zero when unserved,
 *   and sums users and latency per variant whatever the endpoint, so a canary on another
 *   candidate lends the judged one its conversion.
 *
 * A line may arrive before or after the others of its request (an outcome before its record, a
 * judged replay after the served line): each request's contribution is withdrawn and added again
 * when what is known about it changes.
 */
import type { OutcomeLine, RecordLine } from '../evidence/log-lines';
import {
  type CanaryArm,
  type ExperimentAggregates,
  type ExperimentRef,
  LATENCY_FLOOR_MS,
  type LatencyBuckets,
  latencyBucket,
  type MetricSums,
  type ModelCalls,
  type PairedCounts,
  type TimelineRow,
  type UserRatioSums,
} from './aggregates';

const { floor, log, max, min } = Math;
const finite = Number.isFinite;
const DAY_MS = 86_400_000;
const MAX_REASONS = 10;

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

/** A latency is a duration: present, finite and not negative. */
export function isValidLatency(latencyMs: number | null): latencyMs is number {
  return latencyMs !== null && finite(latencyMs) && latencyMs >= 0;
}

/** Counts per latency bucket; `add` with a negative weight withdraws. */
class Histogram {
  private readonly counts = new Map<number, number>();
  add(latencyMs: number, weight: number): void {
    const b = latencyBucket(latencyMs);
    this.counts.set(b, (this.counts.get(b) ?? 0) + weight);
  }
  snapshot(): LatencyBuckets {
    return [...this.counts].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  }
}

class MomentSums {
  n = 0;
  sum = 0;
  sumSquares = 0;
  add(x: number, weight: number): void {
    this.n += weight;
    this.sum += weight * x;
    this.sumSquares += weight * x * x;
  }
}

class Paired {
  n00 = 0;
  n01 = 0;
  n10 = 0;
  n11 = 0;
  add(first: boolean, second: boolean, weight: number): void {
    if (first) {
      if (second) this.n11 += weight;
      else this.n10 += weight;
    } else if (second) this.n01 += weight;
    else this.n00 += weight;
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
    if (m === 0 && y === 0) return;
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

/** Calls that count for one model (by endpoint). */
class ModelState {
  calls = 0;
  errors = 0;
  clientErrors = 0;
  readonly latency = new Histogram();
  readonly moments = new MomentSums();
  readonly logMoments = new MomentSums();
  observe(failed: boolean, effectiveMs: number, weight: number): void {
    this.calls += weight;
    if (failed) this.errors += weight;
    this.latency.add(effectiveMs, weight);
    this.moments.add(effectiveMs, weight);
    this.logMoments.add(log(max(effectiveMs, LATENCY_FLOOR_MS)), weight);
  }
  snapshot(endpoint: string): ModelCalls {
    const { moments, logMoments } = this;
    return {
      endpoint,
      calls: this.calls,
      errors: this.errors,
      clientErrors: this.clientErrors,
      latency: this.latency.snapshot(),
      latencyMoments: { n: moments.n, sum: moments.sum, sumSquares: moments.sumSquares },
      logLatencyMoments: { n: logMoments.n, sum: logMoments.sum, sumSquares: logMoments.sumSquares },
    };
  }
}

/** One canary arm: requests served by one endpoint in one variant, their users and outcomes. */
class ArmState {
  requests = 0;
  errors = 0;
  /** Requests per user, so a withdrawn request can drop its user. */
  readonly users = new Map<string, number>();
  readonly conversion = new RatioSums();
  readonly accuracy = new RatioSums();
  readonly value = new RatioSums();
  readonly latency = new Histogram();
}

interface OutcomeField<T> {
  readonly value: T;
  readonly postedAt: string;
}

/** What is known about one request. */
interface RequestState {
  /** Distinct keys seen (candidate endpoint, '' for none): a repeated key is a duplicate line. */
  readonly keys: Set<string>;
  /** The first line of the request: its served call. */
  served?: RecordLine;
  /** The first line for the judged candidate: its replay. */
  replay?: RecordLine;
  converted?: OutcomeField<boolean>;
  value?: OutcomeField<number>;
  label?: OutcomeField<string>;
}

type MutableRow = { -readonly [K in keyof TimelineRow]: TimelineRow[K] };

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

const effective = (status: string | null, latencyMs: number, timeoutMs: number | null) =>
  status === 'error' ? max(latencyMs, timeoutMs ?? 0) : latencyMs;

export function createAggregator(options: AggregatorOptions): Aggregator {
  const { experiment } = options;
  const production = experiment.production;
  const candidate = options.candidate ?? experiment.candidates[0] ?? '';
  const bucketMinutes = options.bucketMinutes ?? 60;
  const width = bucketMinutes * 60_000;
  const sinceMs = Date.parse(experiment.since);
  const untilMs = Date.parse(experiment.until);
  const firstOutcomeDay = new Date(sinceMs - DAY_MS).toISOString().slice(0, 10);

  const requests = new Map<string, RequestState>();
  let records = 0;
  let duplicates = 0;
  let invalidRecords = 0;
  let shadowSampled = 0;
  /** Received times of the valid requests; min and max are recomputed after a withdrawal. */
  const receivedTimes = new Map<number, number>();
  let window: { from: number; to: number } | null = null;
  let windowStale = false;
  /** `receivedAtMs` of a request that counts (served and valid), else undefined. */
  const countedTime = (state: RequestState) =>
    state.served !== undefined && isValid(state.served, state.replay) ? state.served.receivedAtMs : undefined;
  const addTime = (ms: number) => {
    receivedTimes.set(ms, (receivedTimes.get(ms) ?? 0) + 1);
    if (!windowStale) {
      window =
        window === null ? { from: ms, to: ms } : { from: min(window.from, ms), to: max(window.to, ms) };
    }
  };
  const withdrawTime = (ms: number) => {
    const count = (receivedTimes.get(ms) ?? 0) - 1;
    if (count <= 0) receivedTimes.delete(ms);
    else receivedTimes.set(ms, count);
    windowStale = true;
  };
  const productionModel = new ModelState();
  const candidateModel = new ModelState();
  let pairs = 0;
  const pairErrors = new Paired();
  let comparisons = 0;
  let agreements = 0;
  const agreementWithNoise = new Paired();
  const latencyDifference = new MomentSums();
  const productionPairLatency = new Histogram();
  const candidatePairLatency = new Histogram();
  const pairAccuracy = new Paired();
  /** Arms by variant and endpoint. */
  const arms = new Map<string, ArmState>();
  const outcomes = { converted: 0, labelled: 0, withValue: 0 };
  const timeline = new Map<number, MutableRow>();
  const reasons = new Map<string, number>();
  const metrics = new Map<string, { count: number; sum: number; min: number; max: number }>();
  /** A comparison's metrics, once: its served call and replay never change after it counts. */
  const addMetrics = (served: RecordLine, replay: RecordLine) => {
    const isComparison =
      served.servedEndpoint === production &&
      served.servedStatus !== 'client_error' &&
      replay.candidateStatus !== null &&
      replay.candidateStatus !== 'client_error' &&
      replay.agree !== null;
    if (!isComparison) return;
    for (const [column, name] of METRIC_COLUMNS) {
      const value = replay[column];
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
  };

  const timelineRow = (receivedAtMs: number): MutableRow => {
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

  const isValid = (served: RecordLine, replay: RecordLine | undefined) =>
    isValidLatency(served.servedLatencyMs) &&
    (replay === undefined || isValidLatency(replay.candidateLatencyMs));

  /**
   * Adds (weight 1) or withdraws (weight -1) what one request contributes, but for its received
   * time and comparator metrics: those change only when a record line arrives (`addRecord`).
   */
  const contribute = (state: RequestState, weight: 1 | -1) => {
    const { served, replay } = state;
    if (served === undefined) return;
    if (!isValid(served, replay)) {
      invalidRecords += weight;
      return;
    }
    records += weight;
    if (served.shadowSampled) shadowSampled += weight;
    const row = timelineRow(served.receivedAtMs);
    row.records += weight;

    const label = state.label?.value;
    const servedStatus = served.servedStatus;
    const servedFailed = servedStatus === 'error';
    const servedEffective = effective(servedStatus, served.servedLatencyMs, served.servedTimeoutMs);
    const servedByProduction = served.servedEndpoint === production;
    const servedByCandidate = served.servedEndpoint === candidate;
    const servedCounts = servedStatus !== 'client_error';

    // Production: its served calls only.
    if (servedByProduction) {
      if (servedCounts) {
        productionModel.observe(servedFailed, servedEffective, weight);
        row.productionCalls += weight;
        if (servedFailed) row.productionErrors += weight;
      } else productionModel.clientErrors += weight;
    }

    // The judged candidate: its served call, else its replay (one call per request).
    const replayStatus = replay?.candidateStatus ?? null;
    const replayLatency = replay?.candidateLatencyMs ?? 0;
    const replayFailed = replayStatus === 'error';
    const replayEffective = effective(replayStatus, replayLatency, replay?.timeoutMs ?? null);
    const replayCounts = replay !== undefined && replayStatus !== null && replayStatus !== 'client_error';
    if (servedByCandidate && servedCounts) {
      candidateModel.observe(servedFailed, servedEffective, weight);
      row.candidateCalls += weight;
      if (servedFailed) row.candidateErrors += weight;
    } else if (replayCounts) {
      candidateModel.observe(replayFailed, replayEffective, weight);
      row.candidateCalls += weight;
      if (replayFailed) row.candidateErrors += weight;
    }
    if ((servedByCandidate && !servedCounts) || replayStatus === 'client_error') {
      candidateModel.clientErrors += weight;
    }

    // The shadow pair: production served, the judged candidate replayed, neither refused.
    if (replay !== undefined && servedByProduction && servedCounts && replayCounts) {
      pairs += weight;
      pairErrors.add(servedFailed, replayFailed, weight);
      productionPairLatency.add(servedEffective, weight);
      candidatePairLatency.add(replayEffective, weight);
      latencyDifference.add(replayEffective - servedEffective, weight);
      if (replay.agree !== null) {
        comparisons += weight;
        row.comparisons += weight;
        if (replay.agree) {
          agreements += weight;
          row.agreements += weight;
        } else {
          const reason = replay.reason ?? 'disagree';
          reasons.set(reason, (reasons.get(reason) ?? 0) + weight);
        }
        if (served.noiseAgree !== null) agreementWithNoise.add(served.noiseAgree, replay.agree, weight);
        if (label !== undefined && served.servedLabel !== null && replay.candidateLabel !== null) {
          pairAccuracy.add(
            servedStatus === 'ok' && served.servedLabel === label,
            replayStatus === 'ok' && replay.candidateLabel === label,
            weight,
          );
        }
      }
    }

    if (state.converted !== undefined) outcomes.converted += weight;
    if (state.label !== undefined) outcomes.labelled += weight;
    if (state.value !== undefined) outcomes.withValue += weight;

    // Canary arms: by variant and endpoint, so a canary on another candidate is not the judged one's.
    if (servedCounts) {
      const armKey = `${served.servedVariant}\u0000${served.servedEndpoint}`;
      let arm = arms.get(armKey);
      if (arm === undefined) {
        arm = new ArmState();
        arms.set(armKey, arm);
      }
      arm.requests += weight;
      if (servedFailed) arm.errors += weight;
      arm.latency.add(servedEffective, weight);
      const user = served.userKey ?? `request:${served.requestId}`;
      const requestsOfUser = (arm.users.get(user) ?? 0) + weight;
      if (requestsOfUser === 0) arm.users.delete(user);
      else arm.users.set(user, requestsOfUser);
      const converted = state.converted?.value;
      if (converted !== undefined) arm.conversion.add(user, weight, converted ? weight : 0);
      if (label !== undefined && servedStatus === 'ok' && served.servedLabel !== null) {
        arm.accuracy.add(user, weight, served.servedLabel === label ? weight : 0);
      }
      if (state.converted !== undefined || state.value !== undefined || state.label !== undefined) {
        arm.value.add(user, weight, weight * (state.value?.value ?? 0));
      }
    }
  };

  const requestOf = (requestId: string): RequestState => {
    let state = requests.get(requestId);
    if (state === undefined) {
      state = { keys: new Set() };
      requests.set(requestId, state);
    }
    return state;
  };

  const addRecord = (line: RecordLine) => {
    const receivedAtMs = line.receivedAtMs;
    if (line.experiment !== experiment.id || !(receivedAtMs >= sinceMs && receivedAtMs < untilMs)) return;
    const state = requestOf(line.requestId);
    const key = line.candidateEndpoint ?? '';
    if (state.keys.has(key)) {
      duplicates += 1;
      return;
    }
    state.keys.add(key);
    const isReplay = line.candidateEndpoint === candidate;
    if (state.served !== undefined && !isReplay) return;
    const timeBefore = countedTime(state);
    contribute(state, -1);
    if (state.served === undefined) state.served = line;
    if (isReplay) state.replay = line;
    contribute(state, 1);
    const timeAfter = countedTime(state);
    if (timeBefore !== undefined && timeAfter === undefined) withdrawTime(timeBefore);
    if (timeBefore === undefined && timeAfter !== undefined) addTime(timeAfter);
    // Validity is final once the replay is known: a counted comparison is never withdrawn.
    if (isReplay && timeAfter !== undefined && state.served !== undefined) addMetrics(state.served, line);
  };

  /** The earlier of two posts of one field (the first seen on a tie). */
  const earlier = <T>(current: OutcomeField<T> | undefined, value: T | null, postedAt: string) =>
    value === null || (current !== undefined && current.postedAt <= postedAt) ? current : { value, postedAt };

  const addOutcome = (line: OutcomeLine) => {
    if (line.dt < firstOutcomeDay) return;
    const state = requestOf(line.requestId);
    const converted = earlier(state.converted, line.converted, line.postedAt);
    const value = earlier(
      state.value,
      line.value !== null && finite(line.value) ? line.value : null,
      line.postedAt,
    );
    const label = earlier(state.label, line.label, line.postedAt);
    if (converted === state.converted && value === state.value && label === state.label) return;
    contribute(state, -1);
    state.converted = converted;
    state.value = value;
    state.label = label;
    contribute(state, 1);
  };

  /** The window again from the valid requests' times, after a withdrawal made it stale. */
  const refreshWindow = () => {
    if (!windowStale) return;
    window = null;
    for (const ms of receivedTimes.keys()) {
      window =
        window === null ? { from: ms, to: ms } : { from: min(window.from, ms), to: max(window.to, ms) };
    }
    windowStale = false;
  };

  const aggregates = (): ExperimentAggregates => {
    refreshWindow();
    // Production's arms first, then the canary's; only arms that served a request.
    const canary: CanaryArm[] =
      experiment.canaryPercent > 0
        ? [...arms]
            .filter(([, arm]) => arm.requests > 0)
            .map(([key, arm]): CanaryArm => {
              const [variant, endpoint] = key.split('\u0000') as [CanaryArm['variant'], string];
              const users = arm.users.size;
              return {
                variant,
                endpoint,
                requests: arm.requests,
                users,
                conversion: arm.conversion.snapshot(users),
                accuracy: arm.accuracy.snapshot(users),
                value: arm.value.snapshot(users),
                errors: arm.errors,
                latency: arm.latency.snapshot(),
              };
            })
            .sort((a, b) =>
              a.variant !== b.variant
                ? a.variant === 'production'
                  ? -1
                  : 1
                : a.endpoint < b.endpoint
                  ? -1
                  : 1,
            )
        : [];
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      experiment,
      candidate,
      records,
      duplicates,
      invalidRecords,
      from: window === null ? null : iso(window.from),
      to: window === null ? null : iso(window.to),
      requestsSeen: experiment.canaryPercent > 0 ? records : null,
      shadowSampled,
      production: productionModel.snapshot(production),
      candidateCalls: candidateModel.snapshot(candidate),
      shadow: {
        pairs,
        errors: pairErrors.snapshot(),
        comparisons,
        agreements,
        agreementWithNoise: agreementWithNoise.snapshot(),
        latencyDifference: {
          n: latencyDifference.n,
          sum: latencyDifference.sum,
          sumSquares: latencyDifference.sumSquares,
        },
        productionLatency: productionPairLatency.snapshot(),
        candidateLatency: candidatePairLatency.snapshot(),
        accuracy: pairAccuracy.snapshot(),
      },
      canary,
      outcomes: { ...outcomes },
      timeline: {
        bucketMinutes,
        rows: [...timeline.entries()]
          .filter(([, row]) => row.records > 0)
          .sort((a, b) => a[0] - b[0])
          .map(([, row]) => ({ ...row })),
      },
      reasons: [...reasons]
        .filter(([, count]) => count > 0)
        .sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : 1))
        .slice(0, MAX_REASONS)
        .map(([reason, count]) => ({ reason, count })),
      metrics: METRIC_COLUMNS.flatMap(([, name]): MetricSums[] => {
        const m = metrics.get(name);
        return m === undefined ? [] : [{ name, ...m }];
      }),
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
