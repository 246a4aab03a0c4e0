import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ComparisonStore } from '../../lambda/adapters/comparison-store';
import { powertoolsMetrics } from '../../lambda/adapters/metrics';
import { ReportVerdictSource } from '../../lambda/adapters/report-verdict-source';
import { RuntimeConfigStore } from '../../lambda/adapters/runtime-config-store';
import type { ComparatorConfig } from '../../lambda/core/comparators/types';
import type { Guardrails } from '../../lambda/core/guardrails';
import type { ShadowHealth } from '../../lambda/core/rollout/breaker';
import { parsePlan, type RolloutPlan } from '../../lambda/core/rollout/plan';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import { observability } from '../../lambda/shared/observability';
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
  /** For the comparison records. */
  readonly documentClient: DynamoDBDocumentClient;
  readonly runtimeConfigTable: string;
  readonly comparisonTable: string;
  readonly deployTime: RoutingKnobs;
  readonly allowedEndpoints: readonly string[];
  readonly guardrails: Guardrails;
  readonly comparator: ComparatorConfig;
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
  const records = new ComparisonStore(options.documentClient, options.comparisonTable);
  const config = new RuntimeConfigStore(options.dynamoDb, options.runtimeConfigTable);
  const verdicts = new ReportVerdictSource(records, options.comparator);
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
      read: async (now: Date): Promise<ShadowHealth> => {
        const recent = await records.listWindow(new Date(now.getTime() - windowMs), now);
        let candidateCalls = 0;
        let candidateErrors = 0;
        for (const record of recent)
          for (const candidate of record.candidates) {
            candidateCalls += 1;
            if (candidate.result.status === 'error') candidateErrors += 1;
          }
        return { candidateCalls, candidateErrors, backlogAgeSeconds: options.backlogAgeSeconds() };
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
