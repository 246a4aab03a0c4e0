import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * ARN of a SageMaker endpoint in the stack's account and region. SageMaker lower-cases endpoint
 * names in ARNs, so a policy on the name as typed would not match a mixed-case endpoint.
 */
export function endpointArn(scope: IConstruct, endpointName: string): string {
  return Stack.of(scope).formatArn({
    service: 'sagemaker',
    resource: 'endpoint',
    resourceName: endpointName.toLowerCase(),
  });
}

/** Lets `grantee` call InvokeEndpoint on exactly the named endpoints (nothing when the list is empty). */
export function grantInvokeEndpoints(
  grantee: iam.IGrantable,
  scope: IConstruct,
  endpointNames: readonly string[],
): void {
  if (endpointNames.length === 0) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sagemaker:InvokeEndpoint'],
      resources: endpointNames.map((name) => endpointArn(scope, name)),
    }),
  );
}
