import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ComparisonRecord, type Outcome, storedRecord } from '../core/comparison-record';
import { outcomeFields } from '../core/outcome';
import type { ComparisonRecords, OutcomeSaveResult, SaveResult } from '../use-cases/ports/comparison-records';
import { dynamoDbClient } from './clients';

const isConditionFailure = (error: unknown) =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

/**
 * The document client the comparison store expects, built once at cold start by the handlers
 * that use the store. It lives here rather than in clients.ts so that only they load lib-dynamodb.
 */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoDbClient({ forDocumentClient: true }), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * The comparison table. Writes are idempotent per request id: the comparison part is written
 * once (conditional on `comparedAt` being absent) with SET, never a whole-item put, so an
 * outcome that was joined first is preserved.
 */
export class ComparisonStore implements ComparisonRecords {
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
   * Stores an outcome's fields, first wins per field, so `converted`, `value` and `label` may
   * come in separate posts in any order and a retried post changes nothing.
   * 1. The request's first post creates the outcome whole (conditional on there being none);
   *    the item is created when the comparison has not arrived yet.
   * 2. A later post adds each of its fields on its own condition (that field still absent).
   * Each write returns the item after it: `comparedAt` there means the comparison was stored
   * first, so this post joins that field; otherwise the worker's write will see it.
   */
  async saveOutcome(requestId: string, outcome: Outcome, expiresAt: number): Promise<OutcomeSaveResult> {
    const fields = outcomeFields(outcome);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: 'SET outcome = :o, expiresAt = if_not_exists(expiresAt, :e)',
          ConditionExpression: 'attribute_not_exists(outcome)',
          ExpressionAttributeValues: { ':o': outcome, ':e': expiresAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return {
        created: true,
        added: fields,
        kept: [],
        ...(Attributes?.comparedAt === undefined
          ? {}
          : { joined: { record: storedRecord(Attributes), fields } }),
      };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const writes = await Promise.all(
      fields.map(async (field) => {
        try {
          const { Attributes } = await this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { requestId },
              UpdateExpression: 'SET outcome.#f = :v',
              ConditionExpression: 'attribute_exists(outcome) AND attribute_not_exists(outcome.#f)',
              ExpressionAttributeNames: { '#f': field },
              ExpressionAttributeValues: { ':v': outcome[field] },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return { field, added: true, item: Attributes };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          return { field, added: false, item: undefined };
        }
      }),
    );
    const added = writes.filter((w) => w.added);
    const joined = added.filter((w) => w.item?.comparedAt !== undefined);
    const item = joined[0]?.item;
    const record = item === undefined ? undefined : storedRecord(item);
    return {
      created: false,
      added: added.map((w) => w.field),
      kept: writes.filter((w) => !w.added).map((w) => w.field),
      ...(record === undefined ? {} : { joined: { record, fields: joined.map((w) => w.field) } }),
    };
  }

  /** The record for a request id, or undefined when it has no comparison yet. */
  async get(requestId: string): Promise<ComparisonRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { requestId } }));
    return Item?.comparedAt === undefined ? undefined : storedRecord(Item);
  }
}
