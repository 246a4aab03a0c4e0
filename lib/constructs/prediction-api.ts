import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { ApiAuth } from '../config/stage-config';
import { acknowledgeControlTower } from '../policy/acknowledge';
import { encryptedLogGroup, type LogStorage } from './encrypted-log-group';

export interface PredictionApiProps {
  /** Name of the single deployment stage (the rollout stage: dev, staging, prod). */
  readonly stageName: string;
  /**
   * How every method authenticates callers: SigV4 (`iam`) or an API key with a usage plan.
   * @default 'iam'
   */
  readonly auth?: ApiAuth;
  /** Stage-wide steady-state requests per second. */
  readonly throttlingRateLimit: number;
  /** Stage-wide burst. */
  readonly throttlingBurstLimit: number;
  /**
   * Regional WAFv2 web ACL associated with the stage.
   * @default - none
   */
  readonly webAclArn?: string;
  /**
   * Create API Gateway's account-wide logging role (needed once per account and region, before
   * a stage with logging can be created). It is kept when the stack is deleted: other APIs of
   * the account rely on it.
   * @default false
   */
  readonly cloudWatchRole?: boolean;
  /**
   * Content types API Gateway passes to the integrations base64-encoded (`isBase64Encoded`), and
   * decodes back to binary in responses that set `isBase64Encoded`. Any other body is text.
   * @default - none: every body is treated as UTF-8 text
   */
  readonly binaryMediaTypes?: readonly string[];
  /**
   * Retention, removal and encryption of the access logs.
   * @default - a month, destroyed with the stack
   */
  readonly logs?: LogStorage;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The REST API callers use instead of calling SageMaker. No method is ever unauthenticated:
 * IAM (SigV4) by default, an API key on every method when configured so. Routes are added with
 * `addLambdaRoute`, which is where later features (outcomes, report) plug in.
 */
/** `$context.error.messageString` is already a quoted JSON string. */
export const GATEWAY_ERROR_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString,"requestId":"$context.requestId"}}';

export class PredictionApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;
  readonly auth: ApiAuth;
  /** Name of the deployment stage (plain text, unlike `api.deploymentStage.stageName`). */
  readonly stageName: string;
  /** Present when `auth` is `apiKey`. */
  readonly apiKey?: apigw.ApiKey;
  private readonly requestValidator: apigw.RequestValidator;

  constructor(scope: Construct, id: string, props: PredictionApiProps) {
    super(scope, id);
    this.auth = props.auth ?? 'iam';
    this.stageName = props.stageName;

    this.accessLogs = encryptedLogGroup(this, 'AccessLogs', props.logs ?? {});

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `shadow-rollout-${props.stageName}`,
      description: 'Answers predictions from the production model and samples them for shadow comparison.',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      binaryMediaTypes: props.binaryMediaTypes === undefined ? undefined : [...props.binaryMediaTypes],
      cloudWatchRole: props.cloudWatchRole ?? false,
      defaultMethodOptions:
        this.auth === 'iam'
          ? { authorizationType: apigw.AuthorizationType.IAM }
          : { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: true },
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        // Execution logs on errors only and never with payloads: bodies may hold personal data.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });

    // The stack exports the URL under a domain name (ApiUrl); drop RestApi's generic duplicate.
    this.api.node.tryRemoveChild('Endpoint');

    // Errors API Gateway answers itself (unsigned request, unknown route, throttled, body too
    // large, integration failure) in the same JSON shape as the Lambdas' own errors.
    for (const type of [apigw.ResponseType.DEFAULT_4XX, apigw.ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(type.responseType, {
        type,
        templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
      });
    }

    // Body validation only applies to methods that declare a model; /predict bodies are opaque
    // model payloads of any content type, which the router checks itself (size, content type).
    this.requestValidator = this.api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    if (this.auth === 'apiKey') {
      const plan = this.api.addUsagePlan('UsagePlan', {
        name: `shadow-rollout-${props.stageName}`,
        throttle: { rateLimit: props.throttlingRateLimit, burstLimit: props.throttlingBurstLimit },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      this.apiKey = new apigw.ApiKey(this, 'ApiKey', {
        description: `Caller key for shadow-rollout-${props.stageName}`,
      });
      plan.addApiKey(this.apiKey);
    }

    const stage = this.api.deploymentStage;
    if (props.webAclArn !== undefined) {
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: stage.stageArn,
        webAclArn: props.webAclArn,
      });
    } else {
      Validations.of(stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'No web ACL configured for this stage (api.webAclArn): every method requires SigV4 or an API key and the stage is throttled; set api.webAclArn to associate one.',
      });
    }

    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level logging role; AWS documents this managed policy for it and it only grants CloudWatch Logs writes.",
      });
    }
  }

  /**
   * Routes `method path` to a Lambda proxy integration. Path parameters (`{name}`) are declared
   * required so API Gateway rejects requests without them.
   */
  addLambdaRoute(httpMethod: HttpMethod, path: string, handler: lambda.IFunction): apigw.Method {
    const resource = this.api.root.resourceForPath(path);
    const pathParameters = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const method = resource.addMethod(
      httpMethod,
      new apigw.LambdaIntegration(handler, { proxy: true, allowTestInvoke: false }),
      {
        requestValidator: this.requestValidator,
        requestParameters: Object.fromEntries(
          pathParameters.map((name) => [`method.request.path.${name}`, true]),
        ),
      },
    );
    // API Gateway's invoke permission names the API's execute-api ARN (SourceArn); SourceAccount
    // also pins the account, as Control Tower's CT.LAMBDA.PR.2 asks.
    const account = Stack.of(this).account;
    for (const child of method.node.children) {
      if (!(child instanceof lambda.CfnPermission)) continue;
      child.sourceAccount = account;
      if (Token.isUnresolved(account)) {
        acknowledgeControlTower(
          child,
          'lambda_function_public_access_prohibited_check',
          "SourceAccount is set, to the stack's own account (Ref AWS::AccountId, as the stage config names no account), and SourceArn to this API's execute-api ARN; the offline rule accepts only a literal account id.",
        );
      }
    }
    Validations.of(method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        this.auth === 'iam'
          ? 'Callers are services authenticating with SigV4 (AWS_IAM authorization), not Cognito users.'
          : 'Callers are services authenticating with an API key on every method (stage config api.auth=apiKey), not Cognito users.',
    });
    if (this.auth === 'apiKey') {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Stage config api.auth=apiKey: the method requires an API key tied to a throttled usage plan.',
      });
    }
    return method;
  }

  /** Base URL of the deployment stage. */
  get url(): string {
    return this.api.url;
  }
}

/** One JSON object per request: who called, what, how it ended and how long it took. Never bodies. */
function accessLogFormat(): apigw.AccessLogFormat {
  const F = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: F.contextRequestId(),
      extendedRequestId: F.contextExtendedRequestId(),
      requestTime: F.contextRequestTime(),
      sourceIp: F.contextIdentitySourceIp(),
      caller: F.contextIdentityCaller(),
      userArn: F.contextIdentityUserArn(),
      apiKeyId: F.contextIdentityApiKeyId(),
      httpMethod: F.contextHttpMethod(),
      resourcePath: F.contextResourcePath(),
      protocol: F.contextProtocol(),
      status: F.contextStatus(),
      responseLength: F.contextResponseLength(),
      responseLatencyMs: F.contextResponseLatency(),
      integrationLatencyMs: F.contextIntegrationLatency(),
      integrationStatus: F.contextIntegrationStatus(),
      errorMessage: F.contextErrorMessage(),
      xrayTraceId: F.contextXrayTraceId(),
    }),
  );
}
