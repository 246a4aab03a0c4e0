import { labelReader } from '../comparators/predicted-label';
import type { ComparatorConfig } from '../comparators/types';
import { canonicalLabel } from '../comparators/values';
import type { ComparisonRecord, StoredModelResult } from '../comparison-record';

// Bound once: this runs per record, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { max, min } = Math;
const finite = Number.isFinite;

/** Which endpoints a report is about; defaults are read from the records. */
export interface EndpointSelection {
  readonly production?: string;
  readonly candidate?: string;
}

export interface Endpoints {
  readonly production: string | null;
  readonly candidate: string | null;
  readonly candidates: readonly string[];
}

/**
 * Production is the endpoint that most often served as `production`; the candidate is the
 * most frequent replayed endpoint that is not production (or, without replays, the canary).
 */
export function resolveEndpoints(
  records: readonly ComparisonRecord[],
  selection: EndpointSelection = {},
): Endpoints {
  const served = new Map<string, number>();
  const replayed = new Map<string, number>();
  const canary = new Map<string, number>();
  for (const record of records) {
    const target = record.servedVariant === 'production' ? served : canary;
    target.set(record.production.endpoint, (target.get(record.production.endpoint) ?? 0) + 1);
    for (const c of record.candidates) replayed.set(c.endpoint, (replayed.get(c.endpoint) ?? 0) + 1);
  }
  const production = selection.production ?? mostFrequent(served) ?? null;
  const candidates = [...new Set([...replayed.keys(), ...canary.keys()])]
    .filter((e) => e !== production)
    .sort();
  const others = (counts: Map<string, number>) =>
    new Map([...counts].filter(([endpoint]) => endpoint !== production));
  const candidate =
    selection.candidate ?? mostFrequent(others(replayed)) ?? mostFrequent(others(canary)) ?? null;
  return { production, candidate, candidates };
}

function mostFrequent(counts: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [key, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

/** Successes out of trials. */
export interface Tally {
  successes: number;
  trials: number;
}

const tally = (): Tally => ({ successes: 0, trials: 0 });

export interface ModelEvidence {
  /** Latencies of successful calls, sorted ascending. */
  readonly latencies: Float64Array;
  /** Errors (successes = failed calls) out of all calls. */
  readonly errors: Tally;
  /** Correct predictions out of labelled answers. */
  readonly accuracy: Tally;
}

export interface Evidence extends Endpoints {
  readonly records: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly productionModel: ModelEvidence;
  readonly candidateModel: ModelEvidence;
  /** Agreeing comparisons out of candidate-vs-production comparisons. */
  readonly agreement: Tally;
  /** Agreeing production-vs-itself comparisons out of noise-baseline comparisons. */
  readonly noiseBaseline: Tally;
  readonly metrics: Map<string, { count: number; sum: number; min: number; max: number }>;
  readonly disagreementReasons: Map<string, number>;
  /** Conversions out of outcomes, per served variant. */
  readonly conversion: { readonly production: Tally; readonly canary: Tally };
  /** Requests served by the canary, with or without an outcome. */
  readonly canaryServed: number;
  readonly labelled: number;
}

export interface EvidenceOptions extends EndpointSelection {
  /** The deployment's comparator: its `labelPath` locates predicted labels for accuracy. */
  readonly comparator?: ComparatorConfig;
}

/** A model's evidence while it is being collected: new latencies wait to be merged in. */
interface ModelTallies {
  sorted: Float64Array;
  pending: number[];
  readonly errors: Tally;
  readonly accuracy: Tally;
}

const modelTallies = (): ModelTallies => ({
  sorted: new Float64Array(0),
  pending: [],
  errors: tally(),
  accuracy: tally(),
});

/**
 * Sorts only what arrived since the last look and merges it in, so looking after every batch
 * costs O(n) rather than a full sort. Returns a new array: earlier snapshots never change.
 */
function mergeLatencies(model: ModelTallies): Float64Array {
  if (model.pending.length === 0) return model.sorted;
  const fresh = Float64Array.from(model.pending).sort();
  const old = model.sorted;
  const merged = new Float64Array(old.length + fresh.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < old.length && j < fresh.length) {
    merged[k++] = (old[i] as number) <= (fresh[j] as number) ? (old[i++] as number) : (fresh[j++] as number);
  }
  while (i < old.length) merged[k++] = old[i++] as number;
  while (j < fresh.length) merged[k++] = fresh[j++] as number;
  model.sorted = merged;
  model.pending = [];
  return merged;
}

/**
 * Gathers, in one pass over the records, everything the report and the verdict need. Calls are
 * attributed to a model by endpoint, whatever their role: a canary-served answer is the
 * candidate's, a production replay in a canary's shadow is production's. (Served latencies are
 * measured by the router, replayed ones by the worker; both time the same endpoint.) The
 * noise-baseline re-invocation counts as a production call too.
 */
export function collectEvidence(
  records: readonly ComparisonRecord[],
  options: EvidenceOptions = {},
): Evidence {
  const collector = createEvidenceCollector(resolveEndpoints(records, options), options);
  for (const record of records) collector.add(record);
  return collector.evidence();
}

export interface EvidenceCollector {
  add(record: ComparisonRecord): void;
  /** The evidence so far, as an independent copy (adding more records does not change it). */
  evidence(): Evidence;
}

/**
 * Accumulates evidence record by record for known endpoints, so a monitor (or a simulation)
 * that looks again after every batch pays for each record once.
 */
export function createEvidenceCollector(
  endpoints: Endpoints,
  options: Pick<EvidenceOptions, 'comparator'> = {},
): EvidenceCollector {
  const labelOf = labelReader(options.comparator);
  const state = {
    records: 0,
    from: null as string | null,
    to: null as string | null,
    productionModel: modelTallies(),
    candidateModel: modelTallies(),
    agreement: tally(),
    noiseBaseline: tally(),
    metrics: new Map<string, { count: number; sum: number; min: number; max: number }>(),
    disagreementReasons: new Map<string, number>(),
    conversion: { production: tally(), canary: tally() },
    canaryServed: 0,
    labelled: 0,
  };
  const modelOf = (endpoint: string): ModelTallies | undefined =>
    endpoint === endpoints.production
      ? state.productionModel
      : endpoint === endpoints.candidate
        ? state.candidateModel
        : undefined;
  const observe = (result: StoredModelResult, label: string | undefined) => {
    const model = modelOf(result.endpoint);
    // A refused input is the caller's mistake: no call of the model, for or against it.
    if (model === undefined || result.status === 'client_error') return;
    model.errors.trials += 1;
    if (result.status === 'error') model.errors.successes += 1;
    else if (finite(result.latencyMs)) model.pending.push(result.latencyMs);
    if (label !== undefined && result.status === 'ok') {
      const predicted = labelOf(result);
      if (predicted !== undefined) {
        model.accuracy.trials += 1;
        if (predicted === label) model.accuracy.successes += 1;
      }
    }
  };

  const add = (record: ComparisonRecord) => {
    state.records += 1;
    if (state.from === null || record.receivedAt < state.from) state.from = record.receivedAt;
    if (state.to === null || record.receivedAt > state.to) state.to = record.receivedAt;
    if (record.servedVariant === 'canary') state.canaryServed += 1;

    const label = record.outcome?.label === undefined ? undefined : canonicalLabel(record.outcome.label);
    if (label !== undefined) state.labelled += 1;
    observe(record.production, label);

    const served = record.production.endpoint;
    for (const replay of record.candidates) {
      observe(replay.result, label);
      const comparison = replay.comparison;
      if (comparison === undefined || !isPair(served, replay.endpoint, endpoints)) continue;
      state.agreement.trials += 1;
      if (comparison.agree) state.agreement.successes += 1;
      else {
        const reason = comparison.reason ?? 'disagree';
        state.disagreementReasons.set(reason, (state.disagreementReasons.get(reason) ?? 0) + 1);
      }
      const metrics = comparison.metrics;
      for (const name in metrics) {
        const value = metrics[name];
        if (value === undefined || !finite(value)) continue;
        const m = state.metrics.get(name);
        if (m === undefined) state.metrics.set(name, { count: 1, sum: value, min: value, max: value });
        else {
          m.count += 1;
          m.sum += value;
          m.min = min(m.min, value);
          m.max = max(m.max, value);
        }
      }
    }

    // Production re-invoked and compared with itself. Only production's own noise is a baseline
    // for the candidate: on a canary-served request the worker re-invokes the canary instead.
    const noise = record.noiseBaseline;
    if (noise !== undefined) {
      observe(noise.result, undefined);
      if (
        noise.comparison !== undefined &&
        noise.endpoint === endpoints.production &&
        served === noise.endpoint
      ) {
        state.noiseBaseline.trials += 1;
        if (noise.comparison.agree) state.noiseBaseline.successes += 1;
      }
    }

    const converted = record.outcome?.converted;
    if (typeof converted === 'boolean') {
      const group = record.servedVariant === 'canary' ? state.conversion.canary : state.conversion.production;
      group.trials += 1;
      if (converted) group.successes += 1;
    }
  };

  const copyModel = (m: ModelTallies): ModelEvidence => ({
    latencies: mergeLatencies(m),
    errors: { ...m.errors },
    accuracy: { ...m.accuracy },
  });
  const evidence = (): Evidence => ({
    ...endpoints,
    records: state.records,
    from: state.from,
    to: state.to,
    productionModel: copyModel(state.productionModel),
    candidateModel: copyModel(state.candidateModel),
    agreement: { ...state.agreement },
    noiseBaseline: { ...state.noiseBaseline },
    metrics: new Map([...state.metrics].map(([name, m]) => [name, { ...m }])),
    disagreementReasons: new Map(state.disagreementReasons),
    conversion: { production: { ...state.conversion.production }, canary: { ...state.conversion.canary } },
    canaryServed: state.canaryServed,
    labelled: state.labelled,
  });
  return { add, evidence };
}

/** A comparison counts when it is between production and the candidate, in either role. */
function isPair(served: string, replayed: string, endpoints: Endpoints): boolean {
  return (
    (served === endpoints.production && replayed === endpoints.candidate) ||
    (served === endpoints.candidate && replayed === endpoints.production)
  );
}
