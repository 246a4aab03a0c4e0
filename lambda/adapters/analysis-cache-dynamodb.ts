import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  ANALYSIS_KEY_PREFIX,
  COMPARISON_EXPIRY_ATTRIBUTE,
  COMPARISON_TABLE_KEY,
} from '../configuration/tables';
import type { AnalysisCache, CompletedAnalysis } from '../use-cases/ports/report';
import { analysisKeyDigest } from './analysis-cache-key';

export interface DynamoDbAnalysisCacheOptions {
  /** Days a kept analysis lives (DynamoDB's TTL removes it). @default 30 */
  readonly keepDays?: number;
  /** Told of a failed read or write: the cache then behaves as empty, a report never fails on it. */
  readonly onError?: (operation: 'get' | 'put', error: unknown) => void;
  readonly now?: () => Date;
}

/** DynamoDB refuses items over 400 KB; a report that large stays in no cache (measured: ~10-40 KB gzipped). */
export const MAX_ANALYSIS_BYTES = 350 * 1024;

/**
 * The last completed analysis per report request, kept across Lambda environments: a cold report
 * function past its deadline answers it with its age instead of 202. One item per request in the
 * comparison table, key `analysis#<digest>`, the report gzipped (binary), expiring with TTL.
 * The request's key is stored and compared, so a digest collision reads as a miss.
 */
export class DynamoDbAnalysisCache implements AnalysisCache {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoDbAnalysisCacheOptions = {},
  ) {}

  async get(key: string): Promise<CompletedAnalysis | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [COMPARISON_TABLE_KEY]: { S: itemKey(key) } },
          ConsistentRead: true,
        }),
      );
      if (Item?.cacheKey?.S !== key || Item.report?.B === undefined || Item.completedAt?.S === undefined)
        return undefined;
      const report = JSON.parse(gunzipSync(Item.report.B).toString('utf8')) as CompletedAnalysis['report'];
      return { report, completedAt: Item.completedAt.S };
    } catch (error) {
      this.options.onError?.('get', error);
      return undefined;
    }
  }

  async put(key: string, analysis: CompletedAnalysis): Promise<void> {
    try {
      const report = gzipSync(JSON.stringify(analysis.report));
      if (report.byteLength > MAX_ANALYSIS_BYTES)
        throw new Error(`the analysis is ${report.byteLength} bytes gzipped, over ${MAX_ANALYSIS_BYTES}`);
      const now = (this.options.now ?? (() => new Date()))();
      const expiresAt = Math.floor(now.getTime() / 1000) + (this.options.keepDays ?? 30) * 86_400;
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [COMPARISON_TABLE_KEY]: { S: itemKey(key) },
            cacheKey: { S: key },
            completedAt: { S: analysis.completedAt },
            report: { B: report },
            [COMPARISON_EXPIRY_ATTRIBUTE]: { N: String(expiresAt) },
          },
          // Analyses finish out of order (two environments, one slow): keep the latest.
          ConditionExpression: 'attribute_not_exists(completedAt) OR completedAt < :completedAt',
          ExpressionAttributeValues: { ':completedAt': { S: analysis.completedAt } },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      this.options.onError?.('put', error);
    }
  }
}

const itemKey = (key: string) => `${ANALYSIS_KEY_PREFIX}${analysisKeyDigest(key)}`;
