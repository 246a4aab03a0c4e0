import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ComparisonStoreProps {
  /**
   * Continuous backups with point-in-time restore.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * Keep the table (and protect it from deletion) when the stack is deleted.
   * @default true
   */
  readonly retainData?: boolean;
}

/**
 * The comparison records: one item per request id, written by the shadow worker, joined with
 * outcomes later, read back by id or by time window (reports). Items expire through TTL.
 */
export class ComparisonStore extends Construct {
  /** Name of the GSI that lists records of a time bucket in arrival order. */
  static readonly BY_TIME_INDEX = 'byTime';
  static readonly PARTITION_KEY = 'requestId';
  static readonly TIME_BUCKET_KEY = 'timeBucket';
  static readonly RECEIVED_AT_KEY = 'receivedAt';
  static readonly TTL_ATTRIBUTE = 'expiresAt';

  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ComparisonStoreProps = {}) {
    super(scope, id);
    const pointInTimeRecovery = props.pointInTimeRecovery ?? true;
    const retainData = props.retainData ?? true;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: ComparisonStore.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: ComparisonStore.TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: pointInTimeRecovery },
      deletionProtection: retainData,
      removalPolicy: retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Reports read a whole time window; projecting everything avoids a GetItem per record.
    this.table.addGlobalSecondaryIndex({
      indexName: ComparisonStore.BY_TIME_INDEX,
      partitionKey: { name: ComparisonStore.TIME_BUCKET_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: ComparisonStore.RECEIVED_AT_KEY, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    if (!pointInTimeRecovery) {
      Validations.of(this.table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason:
          'Point-in-time recovery is off by stage config (non-production): records are shadow evidence that expires within days and is re-created by replaying traffic.',
      });
    }
  }

  /** Writes comparison records idempotently (conditional put, update): no Scan, Query or Delete. */
  grantRecordComparisons(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnTable(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  }

  /** Reads one record by request id. */
  grantReadComparison(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnTable(grantee, 'dynamodb:GetItem');
  }

  // Table.grant() would add `<table>/index/*` as well; item reads and writes need the table only.
  private grantOnTable(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
  }
}
