import type { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { acknowledgeControlTower } from '../policy/acknowledge';

/** Construct id of the function behind every AwsCustomResource of a stack (a singleton). */
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

const acknowledged = new WeakSet<IConstruct>();

/**
 * Acknowledges, once per stack, what the CDK's own AwsCustomResource provider function cannot
 * change: its network is the library's. It runs at deploy time only.
 */
export function acknowledgeCustomResourceProvider(stack: Stack): void {
  const provider = stack.node.tryFindChild(PROVIDER_ID);
  if (provider === undefined || acknowledged.has(provider)) return;
  acknowledged.add(provider);
  acknowledgeControlTower(
    provider,
    'lambda_inside_vpc_check',
    "The CDK's AwsCustomResource provider: it runs only during deploys and calls one AWS API (DynamoDB PutItem) over TLS; there is nothing private to reach.",
  );
}
