import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { StageConfig } from './config/stage-config';
import { resolveStage, StageConfigError, stages, validateStageConfig } from './config/stages';
import { ControlTowerChecks } from './policy/control-tower-checks';
import { ShadowRolloutStack } from './shadow-rollout-stack';

export const APP_NAME = 'shadow-rollout';

export const stackName = (config: Pick<StageConfig, 'stage'>): string => `ShadowRollout-${config.stage}`;

/**
 * The stage's config with the deploy-time overrides applied:
 * - `-c productionEndpoint=NAME` and `-c candidateEndpoints=a,b` (an empty value means none);
 * - `-c alarmEmails=a@example.com,b@example.com` and `-c alarmHttpsEndpoints=https://…`
 *   (added to the stage's own subscribers);
 * - `-c apiCloudWatchRole=true|false`: whether this stack owns API Gateway's account logging role.
 */
export function configFromContext(app: App): StageConfig {
  const context = (key: string): unknown => app.node.tryGetContext(key);
  const stage = resolveStage(context('stage'));
  const base = stages[stage];
  const production = context('productionEndpoint');
  const candidates = context('candidateEndpoints');
  const emails = context('alarmEmails');
  const https = context('alarmHttpsEndpoints');
  const cloudWatchRole = context('apiCloudWatchRole');
  return {
    ...base,
    productionEndpoint: production === undefined ? base.productionEndpoint : endpointName(production),
    candidateEndpoints:
      candidates === undefined ? base.candidateEndpoints : commaList(candidates, 'candidateEndpoints'),
    alarmEmails: [...base.alarmEmails, ...(emails === undefined ? [] : commaList(emails, 'alarmEmails'))],
    alarmHttpsEndpoints: [
      ...(base.alarmHttpsEndpoints ?? []),
      ...(https === undefined ? [] : commaList(https, 'alarmHttpsEndpoints')),
    ],
    api:
      cloudWatchRole === undefined
        ? base.api
        : { ...base.api, cloudWatchRole: booleanContext(cloudWatchRole, 'apiCloudWatchRole') },
  };
}

export interface PolicyCheckOptions {
  /**
   * Run AWS Control Tower's proactive controls (cfn-guard) too. Only tests of the stack's shape
   * turn them off, to save their ~300 rules per synth; the policy tests and every `cdk synth`
   * run them.
   * @default true
   */
  readonly controlTower?: boolean;
}

/**
 * Adds the stage's stack to `app`, with tags and the policy checks (once per app), after
 * validating its config.
 */
export function addShadowRolloutStack(
  app: App,
  config: StageConfig,
  checks: PolicyCheckOptions = {},
): ShadowRolloutStack {
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
  addPolicyChecks(app, checks);
  return stack;
}

const checkedApps = new WeakSet<App>();

/**
 * The policy checks every synth runs on the whole app, so that any resource added later is checked
 * too: cdk-nag's AwsSolutions rules, and AWS Control Tower's proactive controls (cfn-guard rules
 * bundled with @cdklabs/cdk-validator-cfnguard, run offline). A finding not acknowledged on the
 * construct that causes it, with a reason, fails the synth. cdk-nag acknowledgements are also
 * copied into the template's resource metadata (cdk_nag.rules_to_suppress) for reviewers.
 */
export function addPolicyChecks(app: App, checks: PolicyCheckOptions = {}): void {
  if (checkedApps.has(app)) return;
  checkedApps.add(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  if (checks.controlTower ?? true) Validations.of(app).addPlugins(new ControlTowerChecks());
}

/** The whole app as `cdk synth -c stage=NAME` builds it. */
export function buildShadowRolloutApp(app: App, checks: PolicyCheckOptions = {}): ShadowRolloutStack {
  return addShadowRolloutStack(app, configFromContext(app), checks);
}

function endpointName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StageConfigError('Context productionEndpoint must be a SageMaker endpoint name');
  }
  return value.trim();
}

function commaList(value: unknown, key: string): string[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item): item is string => typeof item === 'string')) {
    throw new StageConfigError(`Context ${key} must be a comma-separated list`);
  }
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

function booleanContext(value: unknown, key: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new StageConfigError(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
}
