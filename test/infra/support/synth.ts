import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { Stage, StageConfig } from '../../../lib/config/stage-config';
import { stages } from '../../../lib/config/stages';
import { addShadowRolloutStack, buildShadowRolloutApp } from '../../../lib/shadow-rollout-app';
import type { ShadowRolloutStack } from '../../../lib/shadow-rollout-stack';

/**
 * Every synth writes into one temp folder per test file, removed by `removeSynthOutput()`:
 * an App without `outdir` would leave a cdk.out* folder in the system temp folder.
 */
let outRoot: string | undefined;

export function newOutdir(label: string): string {
  outRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'shadow-rollout-infra-'));
  return fs.mkdtempSync(path.join(outRoot, `${label}-`));
}

export function removeSynthOutput(): void {
  if (outRoot !== undefined) fs.rmSync(outRoot, { recursive: true, force: true });
  outRoot = undefined;
}

/** The on-call address the tests deploy prod with (prod refuses to synthesize without a subscriber). */
export const ON_CALL_EMAIL = 'ops@example.com';

/** A stage's config as a team deploys it: prod with the one subscriber it requires. */
export function deployableConfig(stage: Stage): StageConfig {
  const config = stages[stage];
  return config.requireAlarmSubscriber ? { ...config, alarmEmails: [ON_CALL_EMAIL] } : config;
}

/**
 * The feature flags of cdk.json, which `cdk synth` applies: tests synthesize what deploys.
 * Skips esbuild: asset hashes come from the source folder instead of a bundle.
 */
export const CDK_JSON_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;
const NO_BUNDLING = { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] };

export interface SynthesizedStage {
  readonly app: App;
  readonly stack: ShadowRolloutStack;
  readonly template: Template;
  readonly outdir: string;
}

/**
 * Synthesizes one stage from an explicit config (cdk-nag included: a finding throws). Control
 * Tower's rules are left to test/infra/control-tower.test.ts unless asked for: they take most of
 * a synth's time.
 */
export function synthConfig(
  config: StageConfig,
  options: { readonly controlTower?: boolean } = {},
): SynthesizedStage {
  return synthConfigs([config], options)[0] as SynthesizedStage;
}

/**
 * Synthesizes several stages (of different names) in one app: one synth, one run of each policy
 * check over all their templates.
 */
export function synthConfigs(
  configs: readonly StageConfig[],
  options: { readonly controlTower?: boolean } = {},
): SynthesizedStage[] {
  const outdir = newOutdir(configs.map((c) => c.stage).join('-'));
  const app = new App({ outdir, context: NO_BUNDLING });
  const stacks = configs.map((config) =>
    addShadowRolloutStack(app, config, { controlTower: options.controlTower ?? false }),
  );
  app.synth();
  return stacks.map((stack) => ({ app, stack, template: Template.fromStack(stack), outdir }));
}

/**
 * Synthesizes the app the way `cdk synth -c key=value…` does, from context only (Control
 * Tower's rules only when asked for, as in synthConfig).
 */
export function synthFromContext(
  context: Record<string, unknown>,
  options: { readonly bundle?: boolean; readonly controlTower?: boolean } = {},
): SynthesizedStage {
  const outdir = newOutdir(String(context.stage ?? 'none'));
  const app = new App({
    outdir,
    context: options.bundle === true ? { ...CDK_JSON_CONTEXT, ...context } : { ...NO_BUNDLING, ...context },
  });
  const stack = buildShadowRolloutApp(app, { controlTower: options.controlTower ?? false });
  app.synth();
  return { app, stack, template: Template.fromStack(stack), outdir };
}

export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(resource as CfnElement);
}

/** CloudFormation value rendered as readable text: `{Ref}`, `{Id.Attr}`, joins flattened. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return `{${v.Ref}}`;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `{${getAtt.join('.')}}`;
    const join = v['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  return JSON.stringify(value);
}

export interface Permission {
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function toPermission(statement: PolicyStatementJson): Permission {
  return {
    effect: statement.Effect,
    actions: asList(statement.Action).sort(),
    resources: asList(statement.Resource).map(render).sort(),
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Every statement granted to a role: its inline policies plus every AWS::IAM::Policy attached to it. */
export function permissionsOfRole(template: Template, roleLogicalId: string): Permission[] {
  const resources = template.toJSON().Resources as Resources;
  const role = resources[roleLogicalId];
  if (role === undefined) throw new Error(`No role ${roleLogicalId}`);
  const documents: { Statement: PolicyStatementJson[] }[] = [];
  for (const inline of (role.Properties?.Policies ?? []) as {
    PolicyDocument: { Statement: PolicyStatementJson[] };
  }[]) {
    documents.push(inline.PolicyDocument);
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles ?? []) as unknown[];
    if (roles.some((r) => render(r) === `{${roleLogicalId}}`)) {
      documents.push(resource.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] });
    }
  }
  return documents.flatMap((d) => d.Statement.map(toPermission)).sort(byJson);
}

/** Every Allow statement in the template, wherever it is attached. */
export function allPermissions(template: Template): Permission[] {
  const resources = template.toJSON().Resources as Resources;
  const statements: PolicyStatementJson[] = [];
  for (const resource of Object.values(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of (props.Policies ?? []) as {
        PolicyDocument: { Statement: PolicyStatementJson[] };
      }[]) {
        statements.push(...inline.PolicyDocument.Statement);
      }
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      statements.push(...(props.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
    }
  }
  return statements.map(toPermission).filter((p) => p.effect === 'Allow');
}

export const byJson = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

export const sagemakerEndpointArn = (name: string): string =>
  `arn:{AWS::Partition}:sagemaker:{AWS::Region}:{AWS::AccountId}:endpoint/${name}`;

/**
 * Synthesizes `configs` once for the calling test file (in its `beforeAll`) and removes the
 * output after it; returns the lookup by label. Configs of different stages share one app (one
 * synth, one run of each policy check); a second config of a stage goes into another app.
 */
export function synthesizedOnce<Label extends string>(
  configs: () => Readonly<Record<Label, StageConfig>>,
): (label: Label) => SynthesizedStage {
  const synthesized = new Map<Label, SynthesizedStage>();
  beforeAll(() => {
    const batches: [Label, StageConfig][][] = [];
    for (const entry of Object.entries(configs()) as [Label, StageConfig][]) {
      const batch = batches.find((b) => b.every(([, config]) => config.stage !== entry[1].stage));
      if (batch === undefined) batches.push([entry]);
      else batch.push(entry);
    }
    for (const batch of batches) {
      const stacks = synthConfigs(batch.map(([, config]) => config));
      for (const [i, [label]] of batch.entries()) synthesized.set(label, stacks[i] as SynthesizedStage);
    }
  });
  afterAll(removeSynthOutput);
  return (label) => {
    const s = synthesized.get(label);
    if (s === undefined) throw new Error(`${label} was not synthesized`);
    return s;
  };
}
