import * as iam from 'aws-cdk-lib/aws-iam';
import { endpointArn, grantInvokeEndpoints } from '../../../lib/constructs/model-endpoints';
import { bareStack, synthesize } from '../support/construct-stack';
import { removeSynthOutput } from '../support/synth';

afterAll(removeSynthOutput);

describe('grantInvokeEndpoints', () => {
  it('grants InvokeEndpoint on exactly the named endpoints, lower-cased as SageMaker writes their ARNs', () => {
    // Arrange
    const stack = bareStack('model-endpoints');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // Act
    grantInvokeEndpoints(role, stack, ['Churn-V1', 'churn-v2']);
    const template = synthesize(stack);
    // Assert
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sagemaker:InvokeEndpoint',
            Resource: [
              'arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn-v1',
              'arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn-v2',
            ],
          },
        ],
      },
    });
    expect(endpointArn(stack, 'Churn-V1')).toBe('arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn-v1');
  });

  it('grants nothing for no endpoints (never a wildcard)', () => {
    const stack = bareStack('model-endpoints');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grantInvokeEndpoints(role, stack, []);
    synthesize(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });
});
