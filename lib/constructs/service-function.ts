import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambda/core/metric-names';
import { resourceNames } from '../config/resource-names';
import type { Stage } from '../config/stage-config';
import { ESM_MAIN_FIELDS, ESM_REQUIRE_BANNER } from './esm-bundling';

/** Runtime, architecture and bundling shared by every function of the service. */
export const FUNCTION_DEFAULTS = {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  bundling: {
    minify: true,
    sourceMap: true,
    // Stack traces need names and positions, not the sources: a smaller map loads faster at cold start.
    sourcesContent: false,
    target: 'node24',
    // Docker is never needed (or available): esbuild from node_modules bundles locally.
    forceDockerBundling: false,
    // Bundle the AWS SDK v3 too, so the deployed code runs the versions pinned in package.json
    // instead of whatever the runtime ships that week.
    externalModules: [],
  },
} as const;

export type HandlerName = 'router' | 'worker' | 'get-comparison' | 'outcomes' | 'report' | 'rollback';

/** Entry file of a Lambda handler in `lambda/handlers/`. */
export const handlerEntry = (name: HandlerName): string =>
  path.join(__dirname, '..', '..', 'lambda', 'handlers', `${name}.ts`);

/**
 * The router's deployed entry: an ES module whose init awaits the after-response extension's
 * registration (top-level await), around the same handler as lambda/handlers/router.ts.
 */
export const ROUTER_ESM_ENTRY = path.join(__dirname, '..', '..', 'lambda', 'entries', 'router.ts');

/** What the stack adds for an ES module bundle (see esm-bundling.ts). */
export const ESM_BUNDLING = {
  format: OutputFormat.ESM,
  mainFields: ESM_MAIN_FIELDS,
  banner: ESM_REQUIRE_BANNER,
} as const;

/** Powertools service name; metrics carry it as the `service` dimension. */
export const serviceName = (stage: Stage): string => resourceNames(stage).service;

export interface ServiceFunctionProps {
  /** Handler file exporting `handler`. */
  readonly entry: string;
  /**
   * Bundle as an ES module (`index.mjs`), for an entry that needs top-level await at init.
   * @default false (CommonJS)
   */
  readonly esm?: boolean;
  readonly stage: Stage;
  readonly description: string;
  /**
   * Environment set on the function, on top of the Powertools and source-map variables.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Modules left out of the bundle: only for code paths the function never runs on AWS.
   * @default - none (everything, the AWS SDK included, is bundled)
   */
  readonly externalModules?: readonly string[];
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the function's logs when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Node.js function with the service's defaults: arm64 on Node 24, bundled with esbuild
 * (SDK included), active tracing, JSON logs into its own log group with a retention.
 *
 * Its role starts with exactly two inline permissions (write to its own log group, send
 * traces); every other permission is granted by the construct that owns the resource.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (${props.stage})`,
      inlinePolicies: {
        WriteOwnLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
        SendTraces: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    // Acknowledged on the role resource itself, not the construct: grants added later land in
    // the role's DefaultPolicy, which cdk-nag keeps checking in full.
    const roleResource = this.role.node.defaultChild;
    if (roleResource !== undefined) {
      Validations.of(roleResource).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; the wildcard sits in the fixed SendTraces inline policy only.',
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_DEFAULTS.runtime,
      architecture: FUNCTION_DEFAULTS.architecture,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: {
        ...FUNCTION_DEFAULTS.bundling,
        externalModules: [...FUNCTION_DEFAULTS.bundling.externalModules, ...(props.externalModules ?? [])],
        ...(props.esm ? { ...ESM_BUNDLING, mainFields: [...ESM_BUNDLING.mainFields] } : {}),
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: serviceName(props.stage),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
    });
    // Tracing is switched on at the resource: the `tracing` prop would also add an X-Ray
    // wildcard statement to the DefaultPolicy, which the role already grants above.
    const functionResource = this.function.node.defaultChild as lambda.CfnFunction;
    functionResource.tracingConfig = { mode: lambda.Tracing.ACTIVE };
  }
}
