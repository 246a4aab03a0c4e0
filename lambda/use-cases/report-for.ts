import { BadRequestError, NotFoundError } from '../core/errors';
import { aggregatesFromRows } from '../core/evidence/aggregates-from-rows';
import {
  type ExperimentSlice,
  experimentDistributionsQuery,
  experimentTotalsQuery,
} from '../core/evidence/sql/experiment-aggregates.sql';
import type { ExperimentStart } from '../core/experiment';
import type { Guardrails } from '../core/guardrails';
import type { ExperimentRef } from '../core/report/aggregates';
import { buildReportFromAggregates } from '../core/report/from-aggregates';
import { chooseBucketMinutes } from '../core/report/timeline';
import type { ReportRequest } from '../core/report-request';
import type { AnalysisEngine } from './ports/evidence';
import type { AnalysisCache, CompletedAnalysis, ExperimentCatalog, ReportAnswerBody } from './ports/report';

export interface ReportForPorts {
  readonly engine: AnalysisEngine;
  readonly experiments: ExperimentCatalog;
  readonly cache: AnalysisCache;
  readonly guardrails: Guardrails;
  readonly now: () => Date;
}

export interface ReportForOptions {
  /** How long the caller waits for the analysis (ms) before the last completed one is answered. */
  readonly answerWithinMs: number;
  /** How long an analysis may run in all (ms); past it the engine stops it. */
  readonly analysisTimeoutMs: number;
  /** How far back an experiment without a recorded start (the deploy-time one) is read. */
  readonly maxLookbackDays: number;
  /** Called while the queries run, with the share done (0..1) when the engine knows it. */
  readonly onProgress?: (fraction: number) => void;
}

export type ReportAnswer =
  | { readonly status: 'complete'; readonly report: ReportAnswerBody }
  /** Past the deadline: the last completed analysis for the same request, and its age. */
  | {
      readonly status: 'stale';
      readonly report: ReportAnswerBody;
      readonly completedAt: string;
      readonly ageSeconds: number;
    }
  /** Past the deadline with nothing completed yet: ask again in a while. */
  | { readonly status: 'pending'; readonly retryAfterSeconds: number };

const DAY_MS = 86_400_000;

/** Analyses still running, by request: a repeated request waits for the same one. */
const running = new Map<string, Promise<CompletedAnalysis>>();

/**
 * The report for one request: the evidence and verdict of one experiment since its fixed start.
 * 1. Choose the experiment (the one in force, or the one asked for) and its start; a later
 *    `since` is allowed (a later fixed start), an earlier one would pool another configuration.
 * 2. Run the aggregate SQL on the evidence log (at most one analysis per request at a time).
 * 3. Turn the aggregates into the report and verdict. A trailing window (`hours`) is answered as
 *    descriptive evidence: its verdict is withheld (CONTINUE, saying why), never PROMOTE/REJECT.
 * 4. Answer within `answerWithinMs`: the fresh report, or the last completed one with its age,
 *    or "pending"; the analysis keeps running and is cached when it completes.
 */
export async function reportFor(
  request: ReportRequest,
  ports: ReportForPorts,
  options: ReportForOptions,
): Promise<ReportAnswer> {
  const now = ports.now();
  const experiment = await chooseExperiment(request, ports.experiments);
  const scope = sliceOf(request, experiment, now, options.maxLookbackDays);
  const key = JSON.stringify([
    scope.slice.experiment,
    scope.slice.candidate,
    request.since ?? null,
    request.hours ?? null,
  ]);

  let analysis = running.get(key);
  if (analysis === undefined) {
    const started = analyse(scope, ports, options, now);
    analysis = started;
    running.set(key, started);
    started
      .then(
        (completed) => {
          running.delete(key);
          return ports.cache.put(key, completed);
        },
        () => {
          running.delete(key);
        },
      )
      .catch(() => undefined);
  }

  const waited = await Promise.race([
    analysis.then((completed) => ({ completed })),
    new Promise<'deadline'>((resolve) => {
      const timer = setTimeout(() => resolve('deadline'), Math.max(0, options.answerWithinMs));
      // The answer deadline alone must not keep a process alive.
      timer.unref?.();
      analysis.finally(() => clearTimeout(timer)).catch(() => undefined);
    }),
  ]);
  if (waited !== 'deadline') return { status: 'complete', report: waited.completed.report };

  const last = await ports.cache.get(key);
  if (last === undefined)
    return { status: 'pending', retryAfterSeconds: Math.ceil(options.answerWithinMs / 1000) || 1 };
  return {
    status: 'stale',
    report: last.report,
    completedAt: last.completedAt,
    ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(last.completedAt)) / 1000)),
  };
}

async function chooseExperiment(
  request: ReportRequest,
  catalog: ExperimentCatalog,
): Promise<ExperimentStart> {
  if (request.experiment === undefined) return catalog.current();
  const recent = await catalog.recent();
  const found = recent.find((e) => e.id === request.experiment);
  if (found === undefined) {
    throw new NotFoundError(
      `Unknown experiment ${request.experiment}; recent ones: ${recent.map((e) => e.id).join(', ') || 'none'}`,
    );
  }
  return found;
}

interface Scope {
  readonly slice: ExperimentSlice;
  readonly ref: ExperimentRef;
  readonly trailing: boolean;
}

function sliceOf(
  request: ReportRequest,
  experiment: ExperimentStart,
  now: Date,
  maxLookbackDays: number,
): Scope {
  const untilMs = now.getTime() + 1;
  const startMs =
    experiment.startedAt === null
      ? now.getTime() - maxLookbackDays * DAY_MS
      : Date.parse(experiment.startedAt);
  let sinceMs = startMs;
  if (request.since !== undefined) {
    const askedMs = Date.parse(request.since);
    if (askedMs < startMs) {
      throw new BadRequestError(
        `since ${request.since} is before experiment ${experiment.id} started (${new Date(startMs).toISOString()}): that would pool another configuration`,
        'invalid_report_request',
      );
    }
    sinceMs = askedMs;
  }
  if (request.hours !== undefined) sinceMs = Math.max(startMs, now.getTime() - request.hours * 3_600_000);
  const candidate = request.candidate ?? experiment.candidateEndpoints[0];
  if (candidate === undefined)
    throw new BadRequestError(`experiment ${experiment.id} has no candidate to report on`, 'no_candidate');
  if (candidate === experiment.productionEndpoint)
    throw new BadRequestError(
      `${candidate} is production in experiment ${experiment.id}`,
      'invalid_candidate',
    );
  // A typo would otherwise get a verdict on no evidence.
  if (!experiment.candidateEndpoints.includes(candidate))
    throw new BadRequestError(
      `unknown candidate "${candidate}" in experiment ${experiment.id} (candidates: ${experiment.candidateEndpoints.join(', ') || 'none'})`,
      'unknown_candidate',
    );
  const since = new Date(sinceMs).toISOString();
  const until = new Date(untilMs).toISOString();
  return {
    trailing: request.hours !== undefined,
    slice: {
      experiment: experiment.id,
      production: experiment.productionEndpoint,
      candidate,
      sinceMs,
      untilMs,
      bucketMinutes: chooseBucketMinutes(since, until),
    },
    ref: {
      id: experiment.id,
      since,
      until,
      production: experiment.productionEndpoint,
      candidates: experiment.candidateEndpoints,
      canaryPercent: experiment.canaryPercent,
      sampleRate: experiment.sampleRate,
    },
  };
}

async function analyse(
  scope: Scope,
  ports: ReportForPorts,
  options: ReportForOptions,
  now: Date,
): Promise<CompletedAnalysis> {
  // Deadlines are on the real clock (engines compare with Date.now); `now` is the report's time.
  const deadline = Date.now() + options.analysisTimeoutMs;
  const run = (statement: { sql: string; parameters: readonly (string | number)[] }) =>
    ports.engine.query(statement.sql, statement.parameters, {
      deadline,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  // Per-user sums only with a canary: without one, no arm is compared per user.
  const slice = { ...scope.slice, perUser: scope.ref.canaryPercent > 0 };
  const { totals, distributions } =
    ports.engine.experimentRows !== undefined
      ? await ports.engine.experimentRows(slice, {
          deadline,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        })
      : await Promise.all([
          run(experimentTotalsQuery(slice, ports.engine.requestsSource)),
          run(experimentDistributionsQuery(slice, ports.engine.requestsSource)),
        ]).then(([totals, distributions]) => ({ totals, distributions }));
  const aggregates = aggregatesFromRows({
    experiment: scope.ref,
    candidate: scope.slice.candidate,
    bucketMinutes: scope.slice.bucketMinutes,
    totals,
    distributions,
  });
  const built = buildReportFromAggregates(aggregates, ports.guardrails, { now });
  const report: ReportAnswerBody = scope.trailing
    ? {
        ...built,
        scope: 'trailing-window',
        verdict: {
          decision: 'CONTINUE',
          reasons: [
            'A trailing window is descriptive evidence only: its start moves each time it is read, so its intervals are not valid for a decision. Ask for the experiment since its start (the default) for the verdict.',
          ],
        },
      }
    : { ...built, scope: 'experiment' };
  return { report, completedAt: ports.now().toISOString() };
}
