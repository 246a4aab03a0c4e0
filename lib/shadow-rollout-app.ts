import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { StageConfig } from './config/stage-config';
import { resolveStage, StageConfigError, stages, validateStageConfig } from './config/stages';
import { ShadowRolloutStack } from './shadow-rollout-stack';

export const APP_NAME = 'shadow-rollout';

export const stackName = (config: Pick<StageConfig, 'stage'>): string => `ShadowRollout-${config.stage}`;

/**
 * The stage's config with the deploy-time endpoint overrides applied:
 * `-c productionEndpoint=NAME` and `-c candidateEndpoints=a,b` (an empty value means none).
 */
export function configFromContext(app: App): StageConfig {
  const stage = resolveStage(app.node.tryGetContext('stage'));
  const base = stages[stage];
  const production: unknown = app.node.tryGetContext('productionEndpoint');
  const candidates: unknown = app.node.tryGetContext('candidateEndpoints');
  return {
    ...base,
    productionEndpoint: production === undefined ? base.productionEndpoint : endpointName(production),
    candidateEndpoints: candidates === undefined ? base.candidateEndpoints : endpointList(candidates),
  };
}

/** Adds the stage's stack to `app`, with tags and the AwsSolutions checks, after validating its config. */
export function addShadowRolloutStack(app: App, config: StageConfig): ShadowRolloutStack {
  validateStageConfig(config);
  const stack = new ShadowRolloutStack(app, stackName(config), {
    config,
    env: config.env,
    description: `Shadow testing and canary rollout of SageMaker models (${config.stage})`,
    // A stage whose data is kept on delete is one nobody should delete by accident.
    terminationProtection: config.retainData,
  });
  Tags.of(stack).add('app', APP_NAME);
  Tags.of(stack).add('stage', config.stage);
  // cdk-nag 3.x runs as a policy validation plugin: any finding that is not acknowledged on the
  // construct that causes it fails the synth. Acknowledgements are copied into the template's
  // resource metadata (cdk_nag.rules_to_suppress) so reviewers see them with their reasons.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  return stack;
}

/** The whole app as `cdk synth -c stage=NAME` builds it. */
export function buildShadowRolloutApp(app: App): ShadowRolloutStack {
  return addShadowRolloutStack(app, configFromContext(app));
}

function endpointName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StageConfigError('Context productionEndpoint must be a SageMaker endpoint name');
  }
  return value.trim();
}

function endpointList(value: unknown): string[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item): item is string => typeof item === 'string')) {
    throw new StageConfigError('Context candidateEndpoints must be a comma-separated list of endpoint names');
  }
  return items.map((item) => item.trim()).filter((item) => item !== '');
}
