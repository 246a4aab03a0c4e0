import type { OutcomeLine, RecordLine } from '../../lambda/core/evidence/log-lines';
import type { ExperimentSlice } from '../../lambda/core/evidence/sql/experiment-aggregates.sql';
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
} from '../../lambda/core/report/aggregates';

/**
 * The experiment's aggregates computed the plain way, line by line in TypeScript: the oracle the
 * SQL is tested against. Written from the rules in docs/evidence-log.md, not from the SQL.
 */
export function oracleAggregates(
  lines: { readonly records: readonly RecordLine[]; readonly outcomes: readonly OutcomeLine[] },
  slice: ExperimentSlice,
  experiment: ExperimentRef,
): ExperimentAggregates {
  const { production, candidate } = slice;

  // Records: one request per id; the judged candidate's line beside the served answer.
  const inSlice = lines.records.filter(
    (l) =>
      l.experiment === slice.experiment && l.receivedAtMs >= slice.sinceMs && l.receivedAtMs < slice.untilMs,
  );
  const requests = new Map<
    string,
    { first: RecordLine; replay?: RecordLine; keys: Set<string>; lines: number }
  >();
  for (const line of inSlice) {
    const request = requests.get(line.requestId) ?? { first: line, keys: new Set<string>(), lines: 0 };
    request.lines += 1;
    request.keys.add(line.candidateEndpoint ?? '');
    if (line.candidateEndpoint === candidate && request.replay === undefined) request.replay = line;
    requests.set(line.requestId, request);
  }

  // Outcomes: per field, the earliest post that has it.
  const earliestDay = new Date(slice.sinceMs - 86_400_000).toISOString().slice(0, 10);
  const merged = new Map<
    string,
    { converted?: OutcomeField<boolean>; value?: OutcomeField<number>; label?: OutcomeField<string> }
  >();
  for (const post of lines.outcomes) {
    if (post.dt < earliestDay) continue;
    const m = merged.get(post.requestId) ?? {};
    if (post.converted !== null && (m.converted === undefined || post.postedAt < m.converted.at))
      m.converted = { value: post.converted, at: post.postedAt };
    if (post.value !== null && (m.value === undefined || post.postedAt < m.value.at))
      m.value = { value: post.value, at: post.postedAt };
    if (post.label !== null && (m.label === undefined || post.postedAt < m.label.at))
      m.label = { value: post.label, at: post.postedAt };
    merged.set(post.requestId, m);
  }

  const effective = (status: string | null, latency: number, timeout: number) =>
    status === 'error' ? Math.max(latency, timeout) : latency;
  const calls = () => ({ calls: 0, errors: 0, clientErrors: 0, latencies: [] as number[] });
  const prod = calls();
  const cand = calls();
  const pairsProduction: number[] = [];
  const pairsCandidate: number[] = [];
  const pairErrors = counts();
  const noise = counts();
  const accuracy = counts();
  const difference = { n: 0, sum: 0, sumSquares: 0 };
  let records = 0;
  let invalid = 0;
  let duplicates = 0;
  let sampled = 0;
  let pairs = 0;
  let comparisons = 0;
  let agreements = 0;
  let from: number | null = null;
  let to: number | null = null;
  const outcomes = { converted: 0, labelled: 0, withValue: 0 };
  const reasons = new Map<string, number>();
  const metrics = new Map<string, MetricSums>();
  const bucketMs = slice.bucketMinutes * 60_000;
  const timeline = new Map<number, TimelineRow>();
  const arms = new Map<string, { requests: number; errors: number; latencies: number[] }>();
  const users = new Map<string, Map<string, number[]>>();

  for (const { first: r, replay, keys, lines: n } of requests.values()) {
    duplicates += n - keys.size;
    const valid =
      r.servedLatencyMs >= 0 &&
      (replay === undefined || (replay.candidateLatencyMs !== null && replay.candidateLatencyMs >= 0));
    if (!valid) {
      invalid += 1;
      continue;
    }
    records += 1;
    if (r.shadowSampled) sampled += 1;
    from = from === null ? r.receivedAtMs : Math.min(from, r.receivedAtMs);
    to = to === null ? r.receivedAtMs : Math.max(to, r.receivedAtMs);
    const outcome = merged.get(r.requestId);
    if (outcome?.converted) outcomes.converted += 1;
    if (outcome?.label) outcomes.labelled += 1;
    if (outcome?.value) outcomes.withValue += 1;
    const label = outcome?.label?.value;

    const servedEffective = effective(r.servedStatus, r.servedLatencyMs, r.servedTimeoutMs);
    const row = timelineRow(timeline, Math.floor(r.receivedAtMs / bucketMs) * bucketMs);
    row.records += 1;
    const observe = (model: ReturnType<typeof calls>, status: string | null, latency: number) => {
      if (status === 'client_error') {
        model.clientErrors += 1;
        return false;
      }
      model.calls += 1;
      if (status === 'error') model.errors += 1;
      model.latencies.push(latency);
      return true;
    };
    if (r.servedEndpoint === production && observe(prod, r.servedStatus, servedEffective)) {
      row.productionCalls += 1;
      if (r.servedStatus === 'error') row.productionErrors += 1;
    }
    if (r.servedEndpoint === candidate && observe(cand, r.servedStatus, servedEffective)) {
      row.candidateCalls += 1;
      if (r.servedStatus === 'error') row.candidateErrors += 1;
    }
    if (replay !== undefined) {
      const candidateEffective = effective(
        replay.candidateStatus,
        replay.candidateLatencyMs as number,
        replay.timeoutMs,
      );
      if (observe(cand, replay.candidateStatus, candidateEffective)) {
        row.candidateCalls += 1;
        if (replay.candidateStatus === 'error') row.candidateErrors += 1;
      }
      const isPair =
        r.servedEndpoint === production &&
        r.servedStatus !== 'client_error' &&
        replay.candidateStatus !== 'client_error';
      if (isPair) {
        pairs += 1;
        pairsProduction.push(servedEffective);
        pairsCandidate.push(candidateEffective);
        add(pairErrors, r.servedStatus === 'error', replay.candidateStatus === 'error');
        const d = candidateEffective - servedEffective;
        difference.n += 1;
        difference.sum += d;
        difference.sumSquares += d * d;
        if (replay.agree !== null) {
          comparisons += 1;
          row.comparisons += 1;
          if (replay.agree) {
            agreements += 1;
            row.agreements += 1;
          } else {
            const reason = replay.reason ?? 'disagree';
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          }
          if (r.noiseAgree !== null) add(noise, r.noiseAgree, replay.agree);
          if (label !== undefined)
            add(
              accuracy,
              r.servedLabel !== null && r.servedLabel === label,
              replay.candidateLabel !== null && replay.candidateLabel === label,
            );
          for (const [column, name] of METRIC_COLUMNS) {
            const value = replay[column];
            if (value === null) continue;
            const m = metrics.get(name) ?? { name, count: 0, sum: 0, min: value, max: value };
            metrics.set(name, {
              name,
              count: m.count + 1,
              sum: m.sum + value,
              min: Math.min(m.min, value),
              max: Math.max(m.max, value),
            });
          }
        }
      }
    }

    if (r.servedStatus !== 'client_error') {
      const key = `${r.servedVariant}|${r.servedEndpoint}`;
      const arm = arms.get(key) ?? { requests: 0, errors: 0, latencies: [] };
      arm.requests += 1;
      if (r.servedStatus === 'error') arm.errors += 1;
      arm.latencies.push(servedEffective);
      arms.set(key, arm);
      const perUser = users.get(r.servedVariant) ?? new Map<string, number[]>();
      const unit = r.userKey ?? `request:${r.requestId}`;
      const sums = perUser.get(unit) ?? [0, 0, 0, 0, 0, 0];
      const hasOutcome = outcome?.converted || outcome?.value || outcome?.label;
      if (outcome?.converted) {
        sums[0] = (sums[0] as number) + 1;
        if (outcome.converted.value) sums[1] = (sums[1] as number) + 1;
      }
      if (label !== undefined && r.servedStatus === 'ok' && r.servedLabel !== null) {
        sums[2] = (sums[2] as number) + 1;
        if (r.servedLabel === label) sums[3] = (sums[3] as number) + 1;
      }
      if (hasOutcome) sums[4] = (sums[4] as number) + 1;
      if (outcome?.value) sums[5] = (sums[5] as number) + outcome.value.value;
      perUser.set(unit, sums);
      users.set(r.servedVariant, perUser);
    }
  }

  const model = (endpoint: string, m: ReturnType<typeof calls>): ModelCalls => {
    const logs = m.latencies.map((x) => Math.log(Math.max(x, LATENCY_FLOOR_MS)));
    return {
      endpoint,
      calls: m.calls,
      errors: m.errors,
      clientErrors: m.clientErrors,
      latency: buckets(m.latencies),
      latencyMoments: moments(m.latencies),
      logLatencyMoments: moments(logs),
    };
  };
  const canary: CanaryArm[] =
    experiment.canaryPercent > 0
      ? (['production', 'canary'] as const).map((variant) => {
          const endpoint = variant === 'production' ? production : candidate;
          const arm = arms.get(`${variant}|${endpoint}`);
          const perUser = [...(users.get(variant)?.values() ?? [])];
          const ratio = (m: number, y: number): UserRatioSums => ({
            users: perUser.length,
            sumM: sumOf(perUser, (u) => u[m] as number),
            sumY: sumOf(perUser, (u) => u[y] as number),
            sumM2: sumOf(perUser, (u) => (u[m] as number) ** 2),
            sumY2: sumOf(perUser, (u) => (u[y] as number) ** 2),
            sumMY: sumOf(perUser, (u) => (u[m] as number) * (u[y] as number)),
          });
          const armLatencies = [...arms.entries()]
            .filter(([key]) => key.startsWith(`${variant}|`))
            .flatMap(([, a]) => a.latencies);
          return {
            variant,
            endpoint,
            requests: arm?.requests ?? 0,
            users: perUser.length,
            conversion: ratio(0, 1),
            accuracy: ratio(2, 3),
            value: ratio(4, 5),
            errors: arm?.errors ?? 0,
            latency: buckets(armLatencies),
          };
        })
      : [];

  return {
    experiment,
    candidate,
    records,
    duplicates,
    invalidRecords: invalid,
    from: from === null ? null : new Date(from).toISOString(),
    to: to === null ? null : new Date(to).toISOString(),
    requestsSeen: experiment.canaryPercent > 0 ? records : null,
    shadowSampled: sampled,
    production: model(production, prod),
    candidateCalls: model(candidate, cand),
    shadow: {
      pairs,
      errors: pairErrors,
      comparisons,
      agreements,
      agreementWithNoise: noise,
      latencyDifference: difference,
      productionLatency: buckets(pairsProduction),
      candidateLatency: buckets(pairsCandidate),
      accuracy,
    },
    canary,
    outcomes,
    timeline: {
      bucketMinutes: slice.bucketMinutes,
      rows: [...timeline.values()].sort((a, b) => (a.start < b.start ? -1 : 1)),
    },
    reasons: [...reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
      .slice(0, 10),
    metrics: METRIC_COLUMNS.map(([, name]) => metrics.get(name)).filter(
      (m): m is MetricSums => m !== undefined,
    ),
  };
}

interface OutcomeField<T> {
  readonly value: T;
  readonly at: string;
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

type MutablePaired = { -readonly [K in keyof PairedCounts]: number };
const counts = (): MutablePaired => ({ n00: 0, n01: 0, n10: 0, n11: 0 });
function add(c: MutablePaired, first: boolean, second: boolean): void {
  if (first && second) c.n11 += 1;
  else if (first) c.n10 += 1;
  else if (second) c.n01 += 1;
  else c.n00 += 1;
}

function timelineRow(rows: Map<number, TimelineRow>, startMs: number) {
  const existing = rows.get(startMs);
  if (existing) return existing as { -readonly [K in keyof TimelineRow]: TimelineRow[K] };
  const row = {
    start: new Date(startMs).toISOString(),
    records: 0,
    comparisons: 0,
    agreements: 0,
    candidateCalls: 0,
    candidateErrors: 0,
    productionCalls: 0,
    productionErrors: 0,
  };
  rows.set(startMs, row);
  return row;
}

function buckets(latencies: readonly number[]): LatencyBuckets {
  const byBucket = new Map<number, number>();
  for (const x of latencies) {
    const b = latencyBucket(x);
    byBucket.set(b, (byBucket.get(b) ?? 0) + 1);
  }
  return [...byBucket].sort((a, b) => a[0] - b[0]);
}

function moments(values: readonly number[]) {
  return { n: values.length, sum: sumOf(values, (x) => x), sumSquares: sumOf(values, (x) => x * x) };
}

function sumOf<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}
