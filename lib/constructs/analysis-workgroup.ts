import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EnvName } from '../../lambda/configuration/env-names';
import { acknowledgeControlTower } from '../policy/acknowledge';
import { EVIDENCE_PREFIX, type EvidenceBucket } from './evidence-bucket';
import type { EvidenceCatalog } from './evidence-catalog';
import type { ServiceFunction } from './service-function';

/** The engine the shared SQL subset is written for (Trino-based). */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/** The query API calls the report makes, on its workgroup only. */
export const QUERY_ACTIONS = [
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:StartQueryExecution',
  'athena:StopQueryExecution',
] as const;

export interface AnalysisWorkGroupProps {
  readonly workGroupName: string;
  readonly bucket: EvidenceBucket;
  readonly catalog: EvidenceCatalog;
  /** Bytes one query may scan before Athena cancels it (≥ 10 MB). */
  readonly maxBytesScannedPerQuery: number;
  /**
   * Delete the workgroup's saved queries and history with it when the stack is deleted.
   * @default false
   */
  readonly deleteWithStack?: boolean;
}

/**
 * Where the report's SQL runs: an Athena workgroup (engine version 3) whose settings callers
 * cannot override: results encrypted under `query-results/` of the evidence bucket, a bytes
 * scanned cutoff per query, CloudWatch metrics. Its grant is the only way to query the log.
 */
export class AnalysisWorkGroup extends Construct {
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  private readonly bucket: EvidenceBucket;
  private readonly catalog: EvidenceCatalog;

  constructor(scope: Construct, id: string, props: AnalysisWorkGroupProps) {
    super(scope, id);
    this.bucket = props.bucket;
    this.catalog = props.catalog;
    this.workGroupName = props.workGroupName;
    const key = props.bucket.key;

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Report queries over the shadow-rollout evidence log',
      state: 'ENABLED',
      recursiveDeleteOption: props.deleteWithStack ?? false,
      workGroupConfiguration: {
        // Clients cannot pick another output location, drop encryption or lift the cutoff.
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery: props.maxBytesScannedPerQuery,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: props.bucket.uriOf(EVIDENCE_PREFIX.queryResults),
          expectedBucketOwner: Stack.of(this).account,
          encryptionConfiguration:
            key === undefined
              ? { encryptionOption: 'SSE_S3' }
              : { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn },
        },
      },
    });
    if (key === undefined) {
      acknowledgeControlTower(
        this.workGroup,
        'athena_workgroup_results_encrypted_at_rest_kms_check',
        'Results are encrypted like the evidence bucket they live in: this stage chose S3-managed keys (evidence.encryption), so results use SSE-S3.',
      );
    }
  }

  get workGroupArn(): string {
    return Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.workGroupName,
    });
  }

  /** Gives a function the workgroup: its names in the environment and the right to query. */
  connect(handler: ServiceFunction): void {
    handler.function.addEnvironment(EnvName.analysisWorkGroup, this.workGroupName);
    handler.function.addEnvironment(EnvName.analysisDatabase, this.catalog.databaseName);
    this.grantRunQueries(handler.role);
  }

  /**
   * Lets a function run queries in this workgroup and nothing else: the query calls on this
   * workgroup, the table definitions of the evidence database, reading the two relations and
   * reading/writing the query results (and the key, through S3, when there is one).
   */
  grantRunQueries(role: iam.IRole): void {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: [...QUERY_ACTIONS],
      resourceArns: [this.workGroupArn],
    });
    this.catalog.grantReadDefinitions(role);
    this.bucket.grantAnalysis(role);
  }
}
