import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CDK_JSON_CONTEXT, newOutdir } from './synth';

/** The account and region of every bare test stack: ARNs come out as plain strings. */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' } as const;

/**
 * A bare stack for one construct, with the app's feature flags and no bundling. `nag` adds
 * cdk-nag's AwsSolutions rules as the app does: a finding the construct does not acknowledge
 * throws at synth.
 */
export function bareStack(label: string, options: { readonly nag?: boolean } = {}): Stack {
  const app = new App({
    outdir: newOutdir(label),
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
  if (options.nag === true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return new Stack(app, 'ConstructTest', { env: TEST_ENV });
}

/** Synthesizes the stack's app (running its policy plugins) and returns the stack's template. */
export function synthesize(stack: Stack): Template {
  (stack.node.root as App).synth();
  return Template.fromStack(stack);
}

/** Rules acknowledged on a construct (id → reason), as policy validation reads them. */
export function acknowledgedRules(construct: IConstruct): Record<string, string> {
  return Object.assign(
    {},
    ...construct.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .map((entry) => entry.data as Record<string, string>),
  );
}

/** The statements of the only resource of `type` in the template, e.g. a key's policy. */
export function policyStatements(
  template: Template,
  type: string,
  property = 'KeyPolicy',
): Record<string, unknown>[] {
  const resources = Object.values(template.findResources(type));
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  const document = (resources[0] as { Properties: Record<string, { Statement: Record<string, unknown>[] }> })
    .Properties[property];
  return document?.Statement ?? [];
}
