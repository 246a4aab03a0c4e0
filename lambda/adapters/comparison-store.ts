import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ComparisonRecord } from '../core/comparison-record';

export type SaveResult = 'created' | 'duplicate';

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
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(comparedAt)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return 'created';
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return 'duplicate';
      throw error;
    }
  }

  /** The record for a request id, or undefined when it has no comparison yet. */
  async get(requestId: string): Promise<ComparisonRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { requestId } }));
    return Item?.comparedAt === undefined ? undefined : (Item as ComparisonRecord);
  }
}
