import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/configuration/env-names';
import { METRICS_NAMESPACE } from '../../lambda/core/metric-names';
import { resourceNames } from '../config/resource-names';
import type { Stage } from '../config/stage-config';
import { acknowledgeControlTower } from '../policy/acknowledge';
import { encryptedLogGroup, type LogStorage } from './encrypted-log-group';
import { LAMBDA_ESBUILD_OPTIONS } from './esm-bundling';

export { type HandlerName, handlerEntry, ROUTER_ESM_ENTRY } from './esm-bundling';

/**
 * Runtime, architecture and bundling shared by every function of the service. The bundling is
 * LAMBDA_ESBUILD_OPTIONS (esm-bundling.ts) in NodejsFunction's terms: every function is an ES
 * module (`index.mjs`).
 */
export const FUNCTION_DEFAULTS = {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  bundling: {
    format: OutputFormat.ESM,
    target: LAMBDA_ESBUILD_OPTIONS.target,
    minify: LAMBDA_ESBUILD_OPTIONS.minify,
    sourceMap: LAMBDA_ESBUILD_OPTIONS.sourcemap,
    sourcesContent: LAMBDA_ESBUILD_OPTIONS.sourcesContent,
    mainFields: LAMBDA_ESBUILD_OPTIONS.mainFields,
    banner: LAMBDA_ESBUILD_OPTIONS.banner.js,
    externalModules: LAMBDA_ESBUILD_OPTIONS.external,
    // NodejsFunction has no alias prop; esbuild's CLI flag is passed through (`--alias:pkg=path`).
    esbuildArgs: {
      '--alias': Object.entries(LAMBDA_ESBUILD_OPTIONS.alias).map(([from, to]) => `${from}=${to}`),
    },
    // Docker is never needed (or available): esbuild from node_modules bundles locally.
    forceDockerBundling: false,
  },
} as const;

/** Powertools service name; metrics carry it as the `service` dimension. */
export const serviceName = (stage: Stage): string => resourceNames(stage).service;

export interface ServiceFunctionProps {
  /** Handler file exporting `handler`. */
  readonly entry: string;
  readonly stage: Stage;
  readonly description: string;
  /**
   * Environment set on the function, on top of the Powertools and source-map variables.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /**
   * Retention, removal and encryption of the function's log group.
   * @default - a month, destroyed with the stack, CloudWatch Logs' own encryption
   */
  readonly logs?: LogStorage;
  /**
   * Concurrent executions reserved for (and capping) this function.
   * @default - none: it shares the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A Node.js function with the service's defaults: arm64 on Node 24, bundled with esbuild as an
 * ES module (SDK included), active tracing, JSON logs into its own log group with a retention.
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

    this.logGroup = encryptedLogGroup(this, 'Logs', props.logs ?? {});

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
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: {
        ...FUNCTION_DEFAULTS.bundling,
        mainFields: [...FUNCTION_DEFAULTS.bundling.mainFields],
        externalModules: [...FUNCTION_DEFAULTS.bundling.externalModules],
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [EnvName.serviceName]: serviceName(props.stage),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
    });
    // Tracing is switched on at the resource: the `tracing` prop would also add an X-Ray
    // wildcard statement to the DefaultPolicy, which the role already grants above.
    const functionResource = this.function.node.defaultChild as lambda.CfnFunction;
    functionResource.tracingConfig = { mode: lambda.Tracing.ACTIVE };
    acknowledgeControlTower(
      functionResource,
      'lambda_inside_vpc_check',
      'Calls only AWS service endpoints (SageMaker runtime, SQS, DynamoDB, Secrets Manager), signed with its IAM role over TLS, and reaches nothing private; a VPC would need NAT or five interface endpoints per AZ on the request path and add cost and cold-start time for no isolation gained.',
    );
  }
}
