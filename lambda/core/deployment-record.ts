import type { Guardrails } from './guardrails';
import type { RoutingKnobs } from './runtime-config';

/**
 * What a stage was deployed with, written by CloudFormation into the runtime config table on
 * every deploy (item `deployment`): the CLI reads the deployment itself, not the source tree,
 * so `-c productionEndpoint=…` and other deploy-time overrides are what it sees.
 */
export interface DeploymentRecord {
  readonly v: 1;
  readonly stage: string;
  readonly stackName: string;
  /** The routing the functions were deployed with (before runtime overrides). */
  readonly deployTime: RoutingKnobs;
  /** Endpoints runtime config may point the router at: exactly those its IAM policy allows. */
  readonly allowedEndpoints: readonly string[];
  readonly guardrails: Guardrails;
  /** The comparator configuration (JSON), as the worker and report read it. */
  readonly comparator: unknown;
  readonly comparisonTable: string;
}

/** Item id of the deployment record in the runtime config table. */
export const DEPLOYMENT_RECORD_ID = 'deployment';

/** Parses a stored deployment record, naming what is missing. */
export function parseDeploymentRecord(json: string): DeploymentRecord {
  const value = JSON.parse(json) as Partial<DeploymentRecord>;
  const missing = (
    ['stage', 'stackName', 'deployTime', 'allowedEndpoints', 'guardrails', 'comparisonTable'] as const
  ).filter((key) => value[key] === undefined);
  if (value.v !== 1 || missing.length > 0) {
    throw new Error(`deployment record is not version 1 or lacks ${missing.join(', ') || 'its version'}`);
  }
  return value as DeploymentRecord;
}
