import * as cr from 'aws-cdk-lib/custom-resources';
import { acknowledgeCustomResourceProvider } from '../../../lib/constructs/custom-resource-provider';
import { acknowledgedRules, bareStack } from '../support/construct-stack';
import { removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

const VPC_RULE = 'cdk-validator-cfnguard::lambda_inside_vpc_check';

describe('acknowledgeCustomResourceProvider', () => {
  it('acknowledges the CDK’s provider function once, with the reason, and does nothing without one', () => {
    // Arrange
    const stack = bareStack('custom-resource-provider');
    acknowledgeCustomResourceProvider(stack);
    new cr.AwsCustomResource(stack, 'Put', {
      onCreate: {
        service: 'DynamoDB',
        action: 'putItem',
        parameters: { TableName: 't', Item: {} },
        physicalResourceId: cr.PhysicalResourceId.of('deployment'),
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({
        resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/t'],
      }),
      installLatestAwsSdk: false,
    });
    const provider = stack.node.findAll().find((c) => c.node.id === 'AWS679f53fac002430cb0da5b7982bd2287');
    expect(provider).toBeDefined();
    if (provider === undefined) return;
    expect(acknowledgedRules(provider)[VPC_RULE]).toBeUndefined();
    // Act
    acknowledgeCustomResourceProvider(stack);
    acknowledgeCustomResourceProvider(stack);
    // Assert
    expect(acknowledgedRules(provider)[VPC_RULE]).toMatch(/only during deploys/);
    expect(provider.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')).toHaveLength(1);
  });
});
