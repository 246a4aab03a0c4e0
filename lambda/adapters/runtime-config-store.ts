import { DynamoDBProvider } from '@aws-lambda-powertools/parameters/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { withDeadline } from '../core/deadline';
import {
  applyConfigAction,
  type ConfigAction,
  effectiveKnobs,
  type RoutingKnobs,
  type RuntimeConfigDocument,
} from '../core/runtime-config';
import { ConcurrentChangeError, changeDocument } from '../use-cases/rollout/conditional-write';
import type { RuntimeConfigDocuments } from '../use-cases/rollout/ports';

/** The one item of the runtime config table, read by Powertools' DynamoDBProvider (`id`/`value`). */
export const ROUTING_CONFIG_ID = 'routing';

export class ConcurrentConfigChangeError extends Error {
  override readonly name = 'ConcurrentConfigChangeError';
}

/** Reads and changes the runtime config document (CLI, rollback Lambda, local admin). */
export class RuntimeConfigStore implements RuntimeConfigDocuments {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<RuntimeConfigDocument | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { id: ROUTING_CONFIG_ID }, ConsistentRead: true }),
    );
    return typeof Item?.value === 'string' ? (JSON.parse(Item.value) as RuntimeConfigDocument) : undefined;
  }

  /** Writes the document unless another writer got there first (version check); false then. */
  async replace(document: RuntimeConfigDocument, expectedVersion: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { id: ROUTING_CONFIG_ID, value: JSON.stringify(document), version: document.version },
          ConditionExpression: 'attribute_not_exists(id) OR version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Applies an action to the latest document; a concurrent writer makes it retry once on fresh data. */
  async change(
    deployTime: RoutingKnobs,
    action: ConfigAction,
    meta: { readonly by: string; readonly reason: string; readonly allowedEndpoints: readonly string[] },
  ): Promise<{ before: RoutingKnobs; after: RoutingKnobs; document: RuntimeConfigDocument }> {
    try {
      const { before, after } = await changeDocument(
        this,
        (current) =>
          applyConfigAction(deployTime, current, action, { ...meta, at: new Date().toISOString() }),
        2,
      );
      return {
        before: effectiveKnobs(deployTime, before),
        after: effectiveKnobs(deployTime, after),
        document: after as RuntimeConfigDocument,
      };
    } catch (error) {
      if (error instanceof ConcurrentChangeError)
        throw new ConcurrentConfigChangeError('the runtime config changed concurrently; try again');
      throw error;
    }
  }
}

export interface RuntimeKnobsOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly deployTime: RoutingKnobs;
  /** How old the cached config may get before a background refresh. */
  readonly maxAgeSeconds: number;
  /** How long the first (cold start) read may take before falling back to deploy-time values. */
  readonly firstReadTimeoutMs: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * The effective routing knobs for the request path. The first call waits (bounded) for the
 * config; afterwards requests are served from memory and a stale value is refreshed in the
 * background, so no request waits on the config table. Any failure keeps the last good value,
 * or the deploy-time values when there has never been one.
 */
export function runtimeKnobs(options: RuntimeKnobsOptions): () => Promise<RoutingKnobs> {
  const provider = new DynamoDBProvider({ tableName: options.tableName, awsSdkV3Client: options.client });
  let current: RoutingKnobs | undefined;
  let fetchedAt = 0;
  let inFlight: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        const doc = (await provider.get(ROUTING_CONFIG_ID, { transform: 'json', forceFetch: true })) as
          | RuntimeConfigDocument
          | undefined;
        current = effectiveKnobs(options.deployTime, doc ?? undefined);
      } catch (error) {
        current ??= options.deployTime;
        options.onError?.(error);
      } finally {
        fetchedAt = Date.now();
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return async () => {
    if (current === undefined) {
      await withDeadline(options.firstReadTimeoutMs, () => refresh()).catch((error) =>
        options.onError?.(error),
      );
      return current ?? options.deployTime;
    }
    if (Date.now() - fetchedAt > options.maxAgeSeconds * 1000) void refresh();
    return current;
  };
}
