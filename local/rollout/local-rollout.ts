import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import { runtimeConfigExperiments } from '../../lambda/adapters/experiment-catalog';
import { powertoolsMetrics } from '../../lambda/adapters/metrics';
import { ReportForVerdictSource } from '../../lambda/adapters/report-verdict-source';
import { RuntimeConfigStore } from '../../lambda/adapters/runtime-config-store';
import { reportSettings } from '../../lambda/composition/analysis';
import { observability } from '../../lambda/composition/observability';
import type { Guardrails } from '../../lambda/core/guardrails';
import type { ShadowHealth } from '../../lambda/core/rollout/breaker';
import { parsePlan, type RolloutPlan } from '../../lambda/core/rollout/plan';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import type { AnalysisEngine } from '../../lambda/use-cases/ports/evidence';
import type { ManagePorts } from '../../lambda/use-cases/rollout/manage-rollout';
import type { RolloutNotification } from '../../lambda/use-cases/rollout/ports';
import {
  type ControllerPorts,
  type ControllerSettings,
  runControllerTick,
  type TickOutcome,
} from '../../lambda/use-cases/rollout/run-controller';
import type { RolloutSettings as StageRolloutSettings } from '../../lib/config/stage-config';

export interface LocalRolloutOptions {
  /** For the runtime config (plain client, as the CLI and Lambdas use it). */
  readonly dynamoDb: DynamoDBClient;
  /** The evidence log's engine (DuckDB over local mode's files): the verdict and the breaker's health. */
  readonly engine: AnalysisEngine;
  readonly runtimeConfigTable: string;
  readonly deployTime: RoutingKnobs;
  readonly allowedEndpoints: readonly string[];
  readonly guardrails: Guardrails;
  /** The stage's rollout settings: its default plan and the breaker's limits. */
  readonly stage: StageRolloutSettings;
  readonly stageName: string;
  /** Time between controller ticks (AWS: one minute). */
  readonly tickMs: number;
  /** Age (s) of the oldest message in the shadow queue, null when empty. */
  readonly backlogAgeSeconds: () => number | null;
  readonly onNotification?: (notification: RolloutNotification) => void;
  readonly onError?: (what: string, error: unknown) => void;
}

/** The candidate's calls and failures since a time (client errors are the caller's, not counted). */
const CANDIDATE_CALLS_SQL = `SELECT COUNT(*) AS calls,
  SUM(CASE WHEN candidateStatus = 'error' THEN 1 ELSE 0 END) AS errors
FROM records
WHERE dt >= ? AND receivedAtMs >= CAST(? AS BIGINT)
  AND candidateEndpoint IS NOT NULL AND candidateStatus IN ('ok', 'error')`;

export interface LocalRollout {
  readonly ports: ManagePorts;
  readonly settings: ControllerSettings;
  readonly defaultPlan: { readonly plan: RolloutPlan; readonly source: string };
  /** Runs one tick now (the timer runs them every `tickMs`). */
  tick(): Promise<TickOutcome | undefined>;
  /** Starts the timer. */
  start(): void;
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
}

/**
 * The rollout controller of local mode: the same use case and core as the controller Lambda,
 * with local adapters (the verdict from the local records, the breaker's health from the records
 * and the local queue, notifications on the terminal), run on a timer instead of a schedule.
 * Ticks never overlap: the next is scheduled when one ends.
 */
export function localRollout(options: LocalRolloutOptions): LocalRollout {
  const config = new RuntimeConfigStore(options.dynamoDb, options.runtimeConfigTable);
  const verdicts = new ReportForVerdictSource(
    {
      engine: options.engine,
      experiments: runtimeConfigExperiments(() => config.read(), options.deployTime),
      cache: new InMemoryAnalysisCache(),
    },
    // Local mode waits for its analysis: a tick is never answered from an older one.
    { ...reportSettings(), answerWithinMs: 120_000 },
  );
  const notifier = {
    notify: async (notification: RolloutNotification) => options.onNotification?.(notification),
  };
  const { metrics } = observability('rollout-controller');
  const windowMs = options.stage.breaker.windowMinutes * 60_000;
  const ports: ControllerPorts = {
    config,
    verdicts,
    notifier,
    metrics: powertoolsMetrics(metrics),
    health: {
      // The candidate's calls in the breaker's window, from the evidence log (as CloudWatch's
      // metrics would tell the controller on AWS); the backlog's age from the local queue.
      read: async (now: Date): Promise<ShadowHealth> => {
        const since = now.getTime() - windowMs;
        const [row] = await options.engine.query(CANDIDATE_CALLS_SQL, [
          new Date(since).toISOString().slice(0, 10),
          since,
        ]);
        return {
          candidateCalls: Number(row?.calls ?? 0),
          candidateErrors: Number(row?.errors ?? 0),
          backlogAgeSeconds: options.backlogAgeSeconds(),
        };
      },
    },
    ...(options.onError ? { onError: options.onError } : {}),
  };
  const { breaker } = options.stage;
  const settings: ControllerSettings = {
    deployTime: options.deployTime,
    allowedEndpoints: options.allowedEndpoints,
    guardrails: options.guardrails,
    breaker: {
      maxCandidateErrorRate: breaker.maxCandidateErrorRate,
      maxBacklogAgeSeconds: breaker.maxBacklogAgeSeconds,
      minCandidateCalls: breaker.minCandidateCalls,
      reducedSampleRateFactor: breaker.reducedSampleRateFactor,
      minOpenMs: breaker.minOpenMinutes * 60_000,
    },
  };
  const source = `stage ${options.stageName} default plan`;
  const defaultPlan = { plan: parsePlan(options.stage.plan, source), source };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<TickOutcome | undefined> | undefined;
  let stopped = true;
  const tick = (): Promise<TickOutcome | undefined> => {
    running ??= runControllerTick(ports, settings)
      .catch((error: unknown) => {
        options.onError?.('tick', error);
        return undefined;
      })
      .finally(() => {
        metrics.publishStoredMetrics();
        running = undefined;
      });
    return running;
  };
  const schedule = () => {
    timer = setTimeout(() => {
      void tick().then(() => {
        if (!stopped) schedule();
      });
    }, options.tickMs);
    timer.unref();
  };
  return {
    ports: { config, verdicts, notifier },
    settings,
    defaultPlan,
    tick,
    start: () => {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
