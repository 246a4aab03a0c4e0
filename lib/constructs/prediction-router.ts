import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { RoutingKnobs } from '../../lambda/core/runtime-config';
import { allowedEndpoints, routerEnvironment } from '../config/function-environments';
import type { Stage, StageConfig } from '../config/stage-config';
import { routerTimeoutSeconds } from '../config/stages';
import type { LogStorage } from './encrypted-log-group';
import { grantInvokeEndpoints } from './model-endpoints';
import type { RuntimeConfigTable } from './runtime-config-table';
import { ROUTER_ESM_ENTRY, ServiceFunction } from './service-function';
import type { ShadowQueue } from './shadow-queue';

/** API Gateway must hand binary bodies over base64-encoded, or it would mangle them as UTF-8. */
export { BINARY_MEDIA_TYPES } from '../../lambda/core/predict-request';

/** Lambda timeout of the router (the rule lives with the stage config: local mode uses it too). */
export const routerTimeout = (limits: StageConfig['router']): Duration =>
  Duration.seconds(routerTimeoutSeconds(limits));

export interface PredictionRouterProps {
  readonly stage: Stage;
  /** Where sampled requests are sent for comparison. */
  readonly shadowQueue: ShadowQueue;
  /** Runtime overrides of the routing, read with a short cache (falls back to `routing`). */
  readonly runtimeConfig: RuntimeConfigTable;
  /**
   * How long the router serves a cached runtime config before refreshing it in the background:
   * the longest a promote, rollback or kill switch takes to reach every warm router.
   * @default - 5 s (`runtimeConfigMaxAgeSeconds` in lambda/configuration/function-settings.ts)
   */
  readonly runtimeConfigMaxAge?: Duration;
  /**
   * Deploy-time routing: the production endpoint, the candidates replayed in shadow (the first
   * serves the canary), whether and how much to sample, and the canary share. Runtime config may
   * make any of the endpoints production or the canary, so the router may call them all.
   */
  readonly routing: RoutingKnobs;
  /** Memory, reserved concurrency, timeouts, retries and size limits. */
  readonly limits: StageConfig['router'];
  /**
   * Keep the user-key secret when the stack is deleted: a new key would move every user to another
   * canary bucket and stored user keys would stop joining. Deleted on a failed first create.
   * @default false
   */
  readonly retainUserKeySalt?: boolean;
  /**
   * Retention, removal and encryption of the function's logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

/**
 * The request path: validates, picks the served variant, calls it, dispatches a shadow sample
 * and answers. It may call the deploy-time endpoints (production, and the canary among the
 * candidates), send to the shadow queue and read the runtime config; nothing else.
 */
export class PredictionRouter extends Construct {
  readonly handler: ServiceFunction;
  /** Key of the HMAC that turns X-User-Id into the stored, bucketed user key. */
  readonly userKeySalt: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: PredictionRouterProps) {
    super(scope, id);
    const { limits, routing } = props;

    // A secret, not a configuration value: whoever holds it can test guesses of user ids (emails,
    // account numbers) against the stored keys. Generated once per stack, read once per cold start.
    this.userKeySalt = new secretsmanager.Secret(this, 'UserKeySalt', {
      description: 'HMAC key for hashed user ids (canary buckets, stored user keys). Never rotate it.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.retainUserKeySalt
        ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
        : RemovalPolicy.DESTROY,
    });
    Validations.of(this.userKeySalt).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated on purpose: the key decides every user canary bucket, so a new key would move users between production and canary mid-rollout and break the join of stored user keys.',
    });

    this.handler = new ServiceFunction(this, 'Handler', {
      entry: ROUTER_ESM_ENTRY,
      stage: props.stage,
      description: 'Answers predictions from the production (or canary) model and samples shadow copies',
      memorySize: limits.memoryMb,
      timeout: routerTimeout(limits),
      reservedConcurrentExecutions: limits.reservedConcurrency,
      logs: props.logs,
      environment: routerEnvironment({
        routing,
        limits,
        shadowQueueUrl: props.shadowQueue.queue.queueUrl,
        runtimeConfigTable: props.runtimeConfig.table.tableName,
        runtimeConfigMaxAgeSeconds: props.runtimeConfigMaxAge?.toSeconds(),
        userKeySalt: { secretArn: this.userKeySalt.secretArn },
      }),
    });

    // Every deploy-time endpoint, even at a 0 % canary: runtime config (set, promote, rollback)
    // may make any of them production or the canary without a redeploy, and refuses any other
    // (the same allowedEndpoints); a missing grant would turn such a change into 5xx errors.
    grantInvokeEndpoints(this.handler.role, this, allowedEndpoints(routing));
    props.shadowQueue.grantSendShadowSamples(this.handler.role);
    props.runtimeConfig.grantReadRoutingConfig(this.handler.role);
    // GetSecretValue only (not grantRead's DescribeSecret): the one call the router makes.
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.userKeySalt.secretArn],
      }),
    );
  }
}
