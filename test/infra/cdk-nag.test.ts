import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { STAGES, type StageConfig } from '../../lib/config/stage-config';
import { stages } from '../../lib/config/stages';
import { addShadowRolloutStack } from '../../lib/shadow-rollout-app';
import { deployableConfig, newOutdir, type SynthesizedStage, synthesizedOnce } from './support/synth';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const apiKeyStaging: StageConfig = { ...stages.staging, api: { ...stages.staging.api, auth: 'apiKey' } };
const cases: [string, StageConfig][] = [
  ...STAGES.map((stage): [string, StageConfig] => [stage, deployableConfig(stage)]),
  ['staging with api.auth=apiKey', apiKeyStaging],
];

// The three stages in one app (one synth); the apiKey variant of staging in its own.
const synthOf = synthesizedOnce(() => Object.fromEntries(cases));

describe.each(cases)('AwsSolutions checks: %s', (label, config) => {
  let s: SynthesizedStage;
  beforeAll(() => {
    s = synthOf(label);
  });

  it('leave no unacknowledged finding, error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(s.app);
    expect(
      report.violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
    // cdk-nag 3 reports through the validation plugin (above), not annotations; the stack must
    // still carry no error or warning annotation of any origin.
    expect(Annotations.fromStack(s.stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('are acknowledged only on the resource that needs it, each with a specific reason', () => {
    const stackPath = `${s.stack.stackName}/`;
    const acks = acknowledgementsIn(s.stack).filter((ack) => !ack.id.startsWith('cdk-validator-cfnguard::'));
    for (const ack of acks) {
      expect(ack.path.startsWith(stackPath)).toBe(true);
      expect(ack.reason.length).toBeGreaterThanOrEqual(40);
      // Findings of granular rules are acknowledged one by one, never the whole rule.
      if (/AwsSolutions-IAM[45]/.test(ack.id)) expect(ack.id).toMatch(/\[.+\]$/);
    }
    const expected = [
      ...[
        'PredictionRouter',
        'ShadowWorker',
        'ComparisonReader',
        'OutcomeRecorder',
        'RolloutReport',
        'AutomaticRollback',
        'RolloutController',
      ].map((owner) => ({
        path: `${owner}/Handler/Role/Resource`,
        id: 'AwsSolutions-IAM5[Resource::*]',
      })),
      // GetMetricData has no resource-level permissions; the alarm topic's key needs GenerateDataKey*.
      { path: 'RolloutController/Handler/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' },
      {
        path: 'RolloutController/Handler/Role/DefaultPolicy',
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      },
      { path: 'ShadowQueue/DeadLetterQueue', id: 'AwsSolutions-SQS3' },
      { path: 'PredictionRouter/UserKeySalt', id: 'AwsSolutions-SMG4' },
      { path: `PredictionApi/Api/DeploymentStage.${config.stage}`, id: 'AwsSolutions-APIG3' },
      ...['predict/POST', 'comparisons/{requestId}/GET', 'outcomes/POST', 'report/GET'].flatMap((method) => [
        { path: `PredictionApi/Api/Default/${method}`, id: 'AwsSolutions-COG4' },
        ...(config.api.auth === 'apiKey'
          ? [{ path: `PredictionApi/Api/Default/${method}`, id: 'AwsSolutions-APIG4' }]
          : []),
      ]),
      ...evidenceAcknowledgements(s, config),
      ...(config.pointInTimeRecovery
        ? []
        : ['ComparisonStore/Table', 'RuntimeConfigStore/Table'].map((path) => ({
            path,
            id: 'AwsSolutions-DDB3',
          }))),
    ];
    const actual = acks.map((ack) => ({ path: ack.path.slice(stackPath.length), id: ack.id }));
    // Reviewers see the acknowledgements, with their reasons, in the template too.
    s.template.hasResource('AWS::SQS::Queue', {
      Metadata: {
        cdk_nag: {
          rules_to_suppress: [{ id: 'AwsSolutions-SQS3', reason: Match.stringLikeRegexp('dead-letter') }],
        },
      },
    });
    const key = (a: { path: string; id: string }) => `${a.path} ${a.id}`;
    expect(actual.map(key).sort()).toEqual(expected.map(key).sort());
  });
});

/** The evidence log's: object prefixes in each grant, the access log bucket (or its absence). */
function evidenceAcknowledgements(s: SynthesizedStage, config: StageConfig) {
  const bucketId = s.stack.getLogicalId(s.stack.evidenceBucket.bucket.node.defaultChild as CfnElement);
  const objects = (prefix: string) => `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}/*]`;
  return [
    // The report's grant and the rollout controller's (it reads the same evidence).
    ...['AnalysisPolicy', 'AnalysisPolicy2'].flatMap((policy) =>
      ['records', 'query-results', 'outcomes'].map((prefix) => ({
        path: `EvidenceBucket/${policy}/Resource`,
        id: objects(prefix),
      })),
    ),
    ...['records', 'outcomes'].flatMap((relation) =>
      [relation, `delivery-errors/${relation}`].map((prefix) => ({
        path: `EvidenceBucket/Deliver${relation === 'records' ? 'Records' : 'Outcomes'}Policy/Resource`,
        id: objects(prefix),
      })),
    ),
    config.evidence.accessLogging
      ? { path: 'EvidenceBucket/AccessLogs', id: 'AwsSolutions-S1' }
      : { path: 'EvidenceBucket/Bucket', id: 'AwsSolutions-S1' },
  ];
}

describe('the AwsSolutions checks are live', () => {
  it('fail the synth on a non-compliant resource added to a stage stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, outdir: newOutdir('non-compliant') });
    const stack = addShadowRolloutStack(app, stages.dev, { controlTower: false });
    new sqs.Queue(stack, 'QueueWithoutDlqOrTls');
    expect(() => app.synth()).toThrow(
      /AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4|AwsSolutions-SQS4[\s\S]*AwsSolutions-SQS3/,
    );
  });
});
