import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ComparisonRecord, Outcome } from '../core/comparison-record';

export interface SaveResult {
  readonly saved: 'created' | 'duplicate';
  /** An outcome that was posted before the comparison existed, now joined to it. */
  readonly joinedOutcome?: Outcome;
}

export interface OutcomeSaveResult {
  /** An outcome was already stored for this request (the first one is kept). */
  readonly duplicate: boolean;
  /** The request's record, when it already existed (the outcome is then joined now). */
  readonly record?: Pick<ComparisonRecord, 'servedVariant' | 'production' | 'candidates'>;
}

/**
 * The comparison table. Writes are idempotent per request id: the comparison part is written
 * once (conditional on `comparedAt` being absent) with SET, never a whole-item put, so an
 * outcome that was joined first is preserved.
 */
export class ComparisonStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async isCompared(requestId: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { requestId },
        ProjectionExpression: 'comparedAt',
        ConsistentRead: true,
      }),
    );
    return Item?.comparedAt !== undefined;
  }

  async saveComparison(record: ComparisonRecord): Promise<SaveResult> {
    const { requestId, outcome: _outcome, ...fields } = record;
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const assignments = entries.map(([key, value], i) => {
      names[`#f${i}`] = key;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(comparedAt)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      const earlier = result.Attributes?.outcome as Outcome | undefined;
      return earlier === undefined ? { saved: 'created' } : { saved: 'created', joinedOutcome: earlier };
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException')
        return { saved: 'duplicate' };
      throw error;
    }
  }

  /**
   * Stores an outcome unless one is already there (the first wins, so a retried post changes
   * nothing). The item is created when the comparison has not arrived yet.
   */
  async saveOutcome(requestId: string, outcome: Outcome, expiresAt: number): Promise<OutcomeSaveResult> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression:
          'SET outcome = if_not_exists(outcome, :o), expiresAt = if_not_exists(expiresAt, :e)',
        ExpressionAttributeValues: { ':o': outcome, ':e': expiresAt },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const record = Attributes?.comparedAt === undefined ? undefined : (Attributes as ComparisonRecord);
    return { duplicate: Attributes?.outcome !== undefined, ...(record ? { record } : {}) };
  }

  /** The record for a request id, or undefined when it has no comparison yet. */
  async get(requestId: string): Promise<ComparisonRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { requestId } }));
    return Item?.comparedAt === undefined ? undefined : (Item as ComparisonRecord);
  }
}
