import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { STAGES, type Stage } from '../../lib/config/stage-config';
import { stages } from '../../lib/config/stages';
import { CONTROL_TOWER_PLUGIN } from '../../lib/policy/acknowledge';
import { ControlTowerChecks } from '../../lib/policy/control-tower-checks';
import { addShadowRolloutStack, buildShadowRolloutApp } from '../../lib/shadow-rollout-app';
import type { ShadowRolloutStack } from '../../lib/shadow-rollout-stack';
import { CDK_JSON_CONTEXT, newOutdir, removeSynthOutput } from './support/synth';

afterAll(removeSynthOutput);

interface ValidationReport {
  readonly pluginReports: {
    readonly pluginName: string;
    readonly violations: { readonly ruleName: string; readonly acknowledgedId?: string }[];
  }[];
}

/**
 * All three stages in one app, prod built exactly as `npx cdk synth -c stage=prod -c
 * alarmEmails=ops@example.com` builds it: one synth, one run of the Control Tower rules (cfn-guard,
 * about 300 rules) over the three templates.
 */
const stacks = new Map<Stage, ShadowRolloutStack>();
let outdir = '';
let synthError: unknown;
beforeAll(() => {
  outdir = newOutdir('control-tower');
  const app = new App({
    outdir,
    context: {
      ...CDK_JSON_CONTEXT,
      'aws:cdk:bundling-stacks': [],
      stage: 'prod',
      alarmEmails: 'ops@example.com',
    },
  });
  stacks.set('prod', buildShadowRolloutApp(app));
  for (const stage of ['dev', 'staging'] as const)
    stacks.set(stage, addShadowRolloutStack(app, stages[stage]));
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
});

function controlTowerAcknowledgements(stack: Stack): string[] {
  return stack.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>)
            .filter(([id]) => id.startsWith(`${CONTROL_TOWER_PLUGIN}::`))
            .map(([id, reason]) => {
              expect(reason.length).toBeGreaterThanOrEqual(60);
              return `${construct.node.path.slice(stack.stackName.length + 1)} ${id.slice(CONTROL_TOWER_PLUGIN.length + 2)}`;
            }),
        ),
    )
    .sort();
}

describe('AWS Control Tower proactive controls (cfn-guard) at synth', () => {
  it('pass for every stage, with prod synthesized as the first-deploy command does', () => {
    expect(synthError).toBeUndefined();
    const report = JSON.parse(
      fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    const guard = report.pluginReports.filter((r) => r.pluginName === CONTROL_TOWER_PLUGIN);
    expect(guard).toHaveLength(1);
    // Every remaining entry is an acknowledged one.
    expect(guard[0]?.violations.filter((v) => v.acknowledgedId === undefined)).toEqual([]);
  });

  it.each(STAGES)(
    '%s: acknowledge only what a platform team would accept, each rule on the resource it concerns',
    (stage) => {
      const stack = stacks.get(stage) as ShadowRolloutStack;
      const config = stage === 'prod' ? stages.prod : stages[stage];
      const functions = [
        'PredictionRouter',
        'ShadowWorker',
        'ComparisonReader',
        'OutcomeRecorder',
        'RolloutReport',
        'AutomaticRollback',
        'RolloutController',
      ];
      const logGroups = [
        ...functions.map((f) => `${f}/Handler/Logs`),
        'PredictionApi/AccessLogs',
        'RuntimeConfigStore/DeploymentRecordLogs',
        'RecordsDelivery/DeliveryLogs',
        'OutcomesDelivery/DeliveryLogs',
      ];
      const expected = [
        // Functions outside a VPC: they reach only AWS endpoints; a VPC would add NAT or endpoints.
        ...functions.map((f) => `${f}/Handler/Function/Resource lambda_inside_vpc_check`),
        'AWS679f53fac002430cb0da5b7982bd2287 lambda_inside_vpc_check',
        // SourceAccount is a Ref in an environment-agnostic stack; the offline rule wants a literal.
        ...['predict/POST', 'comparisons/{requestId}/GET', 'outcomes/POST', 'report/GET'].map(
          (m) =>
            `PredictionApi/Api/Default/${m}/${permissionId(stack, m)} lambda_function_public_access_prohibited_check`,
        ),
        // Short log retention and no PITR only where the stage config says so (not prod).
        ...(config.logRetentionDays < 365
          ? logGroups.map((g) => `${g} cloudwatch_log_group_retention_period_check`)
          : []),
        ...(config.pointInTimeRecovery
          ? []
          : ['ComparisonStore/Table', 'RuntimeConfigStore/Table'].map(
              (t) => `${t} dynamodb_table_pitr_enabled_check`,
            )),
        // The evidence log: Object Lock nowhere (append-only by IAM); the rest only where the
        // stage chose it, and on the access log bucket what S3 log delivery rules out.
        'EvidenceBucket/Bucket/Resource s3_bucket_object_lock_enabled_check',
        ...(config.evidence.encryption === 'kms'
          ? []
          : [
              'EvidenceBucket/Bucket/Resource s3_bucket_default_encryption_kms_check',
              'Analysis/WorkGroup athena_workgroup_results_encrypted_at_rest_kms_check',
            ]),
        ...(config.evidence.versioning
          ? []
          : ['EvidenceBucket/Bucket/Resource s3_bucket_versioning_enabled_check']),
        ...(config.evidence.accessLogging
          ? [
              's3_bucket_logging_enabled_check',
              's3_bucket_default_encryption_kms_check',
              's3_bucket_versioning_enabled_check',
              's3_bucket_object_lock_enabled_check',
            ].map((rule) => `EvidenceBucket/AccessLogs/Resource ${rule}`)
          : ['EvidenceBucket/Bucket/Resource s3_bucket_logging_enabled_check']),
      ].sort();
      expect(controlTowerAcknowledgements(stack)).toEqual(expected);
    },
  );

  it('fail the synth on a finding nobody acknowledged, even next to acknowledged ones', () => {
    // A finding acknowledged and one not, of the same plugin: aws-cdk-lib alone would let the
    // second pass (the validator reports no severity); ControlTowerChecks must not.
    const app = new App({ outdir: newOutdir('non-compliant') });
    const stack = new Stack(app, 'NonCompliant');
    const acknowledged = new logs.LogGroup(stack, 'Acknowledged', { retention: logs.RetentionDays.ONE_WEEK });
    Validations.of(acknowledged).acknowledge({
      id: `${CONTROL_TOWER_PLUGIN}::cloudwatch_log_group_retention_period_check`,
      reason: 'test',
    });
    Validations.of(acknowledged).acknowledge({
      id: `${CONTROL_TOWER_PLUGIN}::cloudwatch_log_group_encrypted_check`,
      reason: 'test',
    });
    new logs.LogGroup(stack, 'NotAcknowledged', { retention: logs.RetentionDays.ONE_WEEK });
    Validations.of(app).addPlugins(new ControlTowerChecks());
    expect(() => app.synth()).toThrow(
      /CT\.CLOUDWATCH\.PR\.2[\s\S]*NotAcknowledged|NotAcknowledged[\s\S]*CT\.CLOUDWATCH\.PR\.2/,
    );
  });
});

/** The id CDK gives an API method's invoke permission (it embeds the API's logical id). */
function permissionId(stack: ShadowRolloutStack, method: string): string {
  const resource = stack.node.findChild('PredictionApi').node.findChild('Api').node.findChild('Default');
  const [pathPart, verb] = [
    method.slice(0, method.lastIndexOf('/')),
    method.slice(method.lastIndexOf('/') + 1),
  ];
  let node = resource;
  for (const part of pathPart.split('/')) node = node.node.findChild(part);
  const permission = node.node
    .findChild(verb)
    .node.children.find((c) => c.node.id.startsWith('ApiPermission.') && !c.node.id.includes('Test'));
  return permission?.node.id ?? 'missing';
}
