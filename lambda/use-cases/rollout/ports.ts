import type { Guardrails } from '../../core/guardrails';
import type { MetricName } from '../../core/metric-names';
import type { ShadowHealth } from '../../core/rollout/breaker';
import type { StepGuardrails } from '../../core/rollout/plan';
import type { StepEvidence } from '../../core/rollout/rollout';
import type { RoutingKnobs, RuntimeConfigDocument } from '../../core/runtime-config';

/**
 * The ports of the rollout use cases. Adapters: lambda/adapters/ (DynamoDB, SNS, CloudWatch),
 * local/rollout/ (local mode).
 */

/** The runtime config document, replaced only when nobody changed it meanwhile. */
export interface RuntimeConfigDocuments {
  read(): Promise<RuntimeConfigDocument | undefined>;
  /** Writes `document` if the stored version is still `expectedVersion` (0: none yet); false if not. */
  replace(document: RuntimeConfigDocument, expectedVersion: number): Promise<boolean>;
}

export interface VerdictRequest {
  /**
   * Start of the experiment judged: the current step's start. Evidence from before it (another
   * share or sample rate) is never pooled with it.
   */
  readonly experimentSince: Date;
  readonly now: Date;
  readonly candidate: string;
  readonly production: string;
  /** The stage guardrails with the step's overrides. */
  readonly guardrails: Guardrails;
}

/** The verdict on one experiment, as the controller and `promote` consume it. */
export interface VerdictSource {
  currentVerdict(request: VerdictRequest): Promise<StepEvidence>;
}

/** Candidate failures and backlog age over the recent window, for the circuit breaker. */
export interface ShadowHealthSource {
  read(now: Date): Promise<ShadowHealth>;
}

/** Canary guardrail alarms in ALARM now. */
export interface GuardrailAlarmSource {
  firing(): Promise<string[]>;
}

export interface RolloutNotification {
  /** Short, for an email subject or a terminal line. */
  readonly subject: string;
  readonly message: string;
}

export interface RolloutNotifier {
  notify(notification: RolloutNotification): Promise<void>;
}

export interface CountingMetrics {
  count(name: MetricName, value?: number): void;
}

/** The deployment facts every rollout use case needs. */
export interface RolloutSettings {
  readonly deployTime: RoutingKnobs;
  readonly allowedEndpoints: readonly string[];
  readonly guardrails: Guardrails;
}

export type { StepGuardrails };
