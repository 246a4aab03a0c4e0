import type { Stage } from './stage-config';

/**
 * Physical names of what operators, the CLI and runbooks find by name, without looking up
 * CloudFormation outputs: `shadow-rollout-<stage>[-<what>]`. There is one stack per stage in an
 * account and region, so the names are unique there.
 *
 * A fixed name also means CloudFormation cannot replace the resource in place: a change that
 * needs a replacement (a new key schema) needs a new name too.
 */
export interface ResourceNames {
  /** Powertools service name: the `service` dimension of every custom metric. */
  readonly service: string;
  /** DynamoDB table of comparison records (and their outcomes). */
  readonly comparisonTable: string;
  /** DynamoDB table holding the runtime routing config document. */
  readonly runtimeConfigTable: string;
  /** SQS queue of shadow samples (its dead-letter queue accepts redrives from it by ARN). */
  readonly shadowQueue: string;
  /** SNS topic every alarm notifies. */
  readonly alarmTopic: string;
  /** CloudWatch dashboard of the stage. */
  readonly dashboard: string;
  /** Prefix of every alarm name. */
  readonly alarmPrefix: string;
  /** Firehose delivery streams appending to the evidence log, one per relation. */
  readonly evidenceRecordsStream: string;
  readonly evidenceOutcomesStream: string;
  /** Glue database of the evidence tables (`records`, `outcomes`); Athena needs no quoting for it. */
  readonly evidenceDatabase: string;
  /** Athena workgroup the report runs its queries in. */
  readonly analysisWorkGroup: string;
}

export function resourceNames(stage: Stage): ResourceNames {
  const prefix = `shadow-rollout-${stage}`;
  return {
    service: prefix,
    comparisonTable: `${prefix}-comparisons`,
    runtimeConfigTable: `${prefix}-runtime-config`,
    shadowQueue: `${prefix}-shadow-samples`,
    alarmTopic: `${prefix}-alarms`,
    dashboard: prefix,
    alarmPrefix: prefix,
    evidenceRecordsStream: `${prefix}-evidence-records`,
    evidenceOutcomesStream: `${prefix}-evidence-outcomes`,
    evidenceDatabase: prefix.replaceAll('-', '_'),
    analysisWorkGroup: `${prefix}-analysis`,
  };
}
