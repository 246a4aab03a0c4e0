import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { RUNTIME_CONFIG_TABLE_KEY } from '../configuration/tables';
import { withDeadline } from '../core/deadline';
import { UserError } from '../core/errors';
import { experimentIdOf } from '../core/experiment';
import {
  applyConfigAction,
  type ConfigAction,
  effectiveKnobs,
  type RoutingKnobs,
  type RuntimeConfigDocument,
} from '../core/runtime-config';
import { ConcurrentChangeError, changeDocument } from '../use-cases/rollout/conditional-write';
import type { RuntimeConfigDocuments } from '../use-cases/rollout/ports';

/** The one item of the runtime config table: `id`, the document as JSON in `value`, and its `version`. */
export const ROUTING_CONFIG_ID = 'routing';

async function readConfigDocument(
  db: DynamoDBClient,
  tableName: string,
  options: { readonly consistent: boolean },
): Promise<RuntimeConfigDocument | undefined> {
  const { Item } = await db.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { [RUNTIME_CONFIG_TABLE_KEY]: { S: ROUTING_CONFIG_ID } },
      ConsistentRead: options.consistent,
    }),
  );
  const value = Item?.value?.S;
  return value === undefined ? undefined : (JSON.parse(value) as RuntimeConfigDocument);
}

/** Another writer kept changing the config while this change retried: run the command again. */
export class ConcurrentConfigChangeError extends UserError {
  override readonly name = 'ConcurrentConfigChangeError';
}

/**
 * Reads and changes the runtime config document (CLI, rollback Lambda, rollout controller, local
 * admin). The item has three attributes, marshalled here with the plain client: the router shares
 * this module and must not load lib-dynamodb.
 */
export class RuntimeConfigStore implements RuntimeConfigDocuments {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  read(): Promise<RuntimeConfigDocument | undefined> {
    return readConfigDocument(this.db, this.tableName, { consistent: true });
  }

  /** Writes the document unless another writer got there first (version check); false then. */
  async replace(document: RuntimeConfigDocument, expectedVersion: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [RUNTIME_CONFIG_TABLE_KEY]: { S: ROUTING_CONFIG_ID },
            value: { S: JSON.stringify(document) },
            version: { N: String(document.version) },
          },
          ConditionExpression: 'attribute_not_exists(id) OR version = :expected',
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
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

/** The knobs in force and the experiment they belong to, which the router stamps on what it records. */
export type ExperimentKnobs = RoutingKnobs & { readonly experiment: string };

export function withExperiment(
  deployTime: RoutingKnobs,
  doc: RuntimeConfigDocument | undefined,
): ExperimentKnobs {
  const knobs = effectiveKnobs(deployTime, doc);
  return { ...knobs, experiment: experimentIdOf(knobs, doc) };
}

export interface RuntimeKnobsOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly deployTime: RoutingKnobs;
  /** How old the cached config may get before a background refresh. */
  readonly maxAgeSeconds: number;
  /** How long the first (cold start) read may take before falling back to deploy-time values. */
  readonly firstReadTimeoutMs: number;
  /** A read failed (the last good or the deploy-time values stay in force). */
  readonly onError?: (error: unknown) => void;
  /**
   * The first read outlasted `firstReadTimeoutMs`: the deploy-time values answer until it
   * settles. Not an error: the read goes on, and reports to `onError` only if it then fails.
   */
  readonly onDeadlineFallback?: () => void;
}

/**
 * The effective routing knobs for the request path. The first call waits (bounded) for the
 * config; afterwards requests are served from memory and a stale value is refreshed in the
 * background, so no request waits on the config table. Any failure keeps the last good value,
 * or the deploy-time values when there has never been one. A slow first read is not a failure:
 * it is reported apart (`onDeadlineFallback`) and completes in the background.
 */
export function runtimeKnobs(options: RuntimeKnobsOptions): () => Promise<ExperimentKnobs> {
  const deployTime = withExperiment(options.deployTime, undefined);
  let current: ExperimentKnobs | undefined;
  let fetchedAt = 0;
  let inFlight: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        // Eventually consistent: the cache age already bounds staleness, at half the read cost.
        const doc = await readConfigDocument(options.client, options.tableName, { consistent: false });
        current = withExperiment(options.deployTime, doc);
      } catch (error) {
        current ??= deployTime;
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
      // refresh() never rejects (it reports its own failures), so only the deadline lands here.
      await withDeadline(options.firstReadTimeoutMs, () => refresh()).catch(() =>
        options.onDeadlineFallback?.(),
      );
      return current ?? deployTime;
    }
    if (Date.now() - fetchedAt > options.maxAgeSeconds * 1000) void refresh();
    return current;
  };
}
