import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  type ColumnType,
  OUTCOME_COLUMNS,
  PARTITION_COLUMN,
  RECORD_COLUMNS,
} from '../../lambda/core/evidence/log-schema';
import {
  EVIDENCE_PREFIX,
  EVIDENCE_RELATIONS,
  type EvidenceBucket,
  type EvidenceRelation,
} from './evidence-bucket';

/** The log's columns per relation (lambda/core/evidence/log-schema.ts, shared with DuckDB). */
export const COLUMNS_OF: Readonly<Record<EvidenceRelation, Readonly<Record<string, ColumnType>>>> = {
  records: RECORD_COLUMNS,
  outcomes: OUTCOME_COLUMNS,
};

/** The same types as Glue (Hive DDL) spells them. */
export const GLUE_TYPE: Readonly<Record<ColumnType, string>> = {
  VARCHAR: 'string',
  DOUBLE: 'double',
  BIGINT: 'bigint',
  INTEGER: 'int',
  BOOLEAN: 'boolean',
};

/** OpenX's JSON SerDe: matches camelCase keys to Athena's lower-case columns (case-insensitive). */
export const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';

export interface EvidenceCatalogProps {
  readonly bucket: EvidenceBucket;
  /** Glue database name: lower case, digits and underscores, so SQL never needs to quote it. */
  readonly databaseName: string;
  /** Days of partitions that exist (the bucket's retention): projection never looks further back. */
  readonly retentionDays: number;
}

/**
 * The evidence log as SQL tables: a Glue database with `records` and `outcomes`, one column
 * per line field (lambda/core/evidence/log-schema.ts), partitioned by `dt` with partition
 * projection, so new days are queryable without a crawler or `MSCK REPAIR`, and Athena never
 * lists partitions in the catalog.
 */
export class EvidenceCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly tables: Readonly<Record<EvidenceRelation, glue.CfnTable>>;

  constructor(scope: Construct, id: string, props: EvidenceCatalogProps) {
    super(scope, id);
    const { bucket } = props;
    const catalogId = Stack.of(this).account;
    this.databaseName = props.databaseName;
    if (!/^[a-z][a-z0-9_]{0,254}$/.test(props.databaseName)) {
      throw new Error(`EvidenceCatalog: database name "${props.databaseName}" must match [a-z][a-z0-9_]*`);
    }

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId,
      databaseInput: {
        name: props.databaseName,
        description: 'The shadow-rollout evidence log (docs/evidence-log.md)',
      },
    });

    const table = (relation: EvidenceRelation): glue.CfnTable => {
      const location = bucket.uriOf(EVIDENCE_PREFIX[relation]);
      const resource = new glue.CfnTable(this, `${relation[0]?.toUpperCase()}${relation.slice(1)}Table`, {
        catalogId,
        databaseName: props.databaseName,
        tableInput: {
          name: relation,
          description: `Evidence log: ${relation}, one row per JSON line (duplicates included; analysis deduplicates)`,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            EXTERNAL: 'TRUE',
            classification: 'json',
            compressionType: 'gzip',
            'projection.enabled': 'true',
            [`projection.${PARTITION_COLUMN}.type`]: 'date',
            [`projection.${PARTITION_COLUMN}.format`]: 'yyyy-MM-dd',
            // A line's dt is its own day; a day ahead covers clocks and lines written at midnight.
            [`projection.${PARTITION_COLUMN}.range`]: `NOW-${props.retentionDays}DAYS,NOW+1DAYS`,
            [`projection.${PARTITION_COLUMN}.interval`]: '1',
            [`projection.${PARTITION_COLUMN}.interval.unit`]: 'DAYS',
            'storage.location.template': `${location}${PARTITION_COLUMN}=\${${PARTITION_COLUMN}}/`,
          },
          partitionKeys: [
            { name: PARTITION_COLUMN, type: 'string', comment: 'Day (UTC) of the line, YYYY-MM-DD' },
          ],
          storageDescriptor: {
            location,
            compressed: true,
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            columns: Object.entries(COLUMNS_OF[relation]).map(([name, type]) => ({
              name: name.toLowerCase(),
              type: GLUE_TYPE[type],
            })),
            serdeInfo: {
              serializationLibrary: JSON_SERDE,
              // A malformed line fails the query instead of silently dropping evidence.
              parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE' },
            },
          },
        },
      });
      resource.node.addDependency(this.database);
      return resource;
    };
    this.tables = Object.fromEntries(EVIDENCE_RELATIONS.map((r) => [r, table(r)])) as Record<
      EvidenceRelation,
      glue.CfnTable
    >;
  }

  /** ARNs of the catalog, the database and its two tables. */
  get resourceArns(): string[] {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName?: string) =>
      stack.formatArn({ service: 'glue', resource, ...(resourceName === undefined ? {} : { resourceName }) });
    return [
      arn('catalog'),
      arn('database', this.databaseName),
      ...EVIDENCE_RELATIONS.map((relation) => arn('table', `${this.databaseName}/${relation}`)),
    ];
  }

  /** Reads the table definitions (what Athena needs to plan a query), nothing else in the catalog. */
  grantReadDefinitions(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable'],
      resourceArns: this.resourceArns,
    });
  }
}
