import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  GATEWAY_ERROR_TEMPLATE,
  PredictionApi,
  type PredictionApiProps,
} from '../../../lib/constructs/prediction-api';
import { acknowledgedRules, bareStack, synthesize } from '../support/construct-stack';
import { removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

const PROPS: PredictionApiProps = { stageName: 'dev', throttlingRateLimit: 100, throttlingBurstLimit: 200 };

/** A stand-in handler: the API's routes need a function, not this one's code. */
const handler = (stack: Stack) =>
  new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
  });

/** An API with one route (API Gateway refuses an API without methods). */
function apiWithRoute(stack: Stack, props: PredictionApiProps = PROPS): PredictionApi {
  const api = new PredictionApi(stack, 'Api', props);
  api.addLambdaRoute('POST', '/predict', handler(stack));
  return api;
}

describe('PredictionApi', () => {
  it('requires SigV4 on every method by default, and gives routes their path parameters', () => {
    // Arrange
    const stack = bareStack('prediction-api');
    const api = new PredictionApi(stack, 'Api', PROPS);
    const fn = handler(stack);
    // Act
    api.addLambdaRoute('POST', '/predict', fn);
    api.addLambdaRoute('GET', '/comparisons/{requestId}', fn);
    const template = synthesize(stack);
    // Assert
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
    template.allResourcesProperties('AWS::ApiGateway::Method', { AuthorizationType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: { 'method.request.path.requestId': true },
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    // The invoke permission pins this account as well as the API.
    template.allResourcesProperties('AWS::Lambda::Permission', { SourceAccount: '123456789012' });
  });

  it('with api keys: a key on every method, tied to a usage plan throttled like the stage', () => {
    const stack = bareStack('prediction-api');
    const api = new PredictionApi(stack, 'Api', { ...PROPS, auth: 'apiKey' });
    api.addLambdaRoute('POST', '/predict', handler(stack));
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'NONE',
      ApiKeyRequired: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 100, BurstLimit: 200 },
    });
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  it('throttles, traces and logs access without bodies; errors it answers itself are the API’s JSON', () => {
    const stack = bareStack('prediction-api');
    apiWithRoute(stack);
    const template = synthesize(stack);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
      AccessLogSetting: Match.objectLike({ Format: Match.stringLikeRegexp('"requestId"') }),
    });
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
      });
    }
    // RestApi's own URL output is dropped (the stack exports it under its name).
    expect(Object.keys(template.findOutputs('*'))).toEqual([]);
  });

  it('associates the web ACL when one is given, else acknowledges its absence with a reason', () => {
    const withAcl = bareStack('prediction-api');
    const acl = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/abc';
    apiWithRoute(withAcl, { ...PROPS, webAclArn: acl });
    synthesize(withAcl).hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: acl });

    const without = bareStack('prediction-api');
    const api = apiWithRoute(without);
    synthesize(without).resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    expect(acknowledgedRules(api.api.deploymentStage)['Annotation::AwsSolutions-APIG3']).toMatch(
      /api\.webAclArn/,
    );
  });
});
