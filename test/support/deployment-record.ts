import type { DeploymentRecord } from '../../lambda/core/deployment-record';
import { stages } from '../../lib/config/stages';

/** A deployment record as the stack writes it, for a stage deployed with other endpoints than stages.ts. */
export function deploymentRecord(
  stage: 'dev' | 'staging' | 'prod',
  overrides: Partial<DeploymentRecord> = {},
) {
  const config = stages[stage];
  const record: DeploymentRecord = {
    v: 1,
    stage,
    stackName: `ShadowRollout-${stage}`,
    deployTime: {
      productionEndpoint: 'fraud-v7',
      candidateEndpoints: ['fraud-v8', 'fraud-v9'],
      shadowEnabled: true,
      sampleRate: 0.25,
      canaryPercent: 0,
    },
    allowedEndpoints: ['fraud-v7', 'fraud-v8', 'fraud-v9'],
    guardrails: config.guardrails,
    comparator: config.shadow.comparator,
    comparisonTable: `shadow-rollout-${stage}-comparisons`,
    ...overrides,
  };
  // As DynamoDB returns the item (attribute values), to the plain client the CLI reads it with.
  return { record, item: { Item: { id: { S: 'deployment' }, value: { S: JSON.stringify(record) } } } };
}
