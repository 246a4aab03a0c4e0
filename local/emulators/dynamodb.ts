import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { COMPARISON_TABLE_KEY, RUNTIME_CONFIG_TABLE_KEY } from '../../lambda/configuration/tables';
import { closeServer, listen } from '../http-server';
import { LOCAL_CREDENTIALS } from '../local-aws';

interface DynaliteOptions {
  readonly path?: string;
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}
// dynalite ships no type declarations; this is the part of its API used here.
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

/** The comparison table as the stack creates it: one item per request id, no index. */
export function comparisonTable(tableName: string): CreateTableCommandInput {
  const partitionKey = COMPARISON_TABLE_KEY;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
  };
}

export function runtimeConfigTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: RUNTIME_CONFIG_TABLE_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: RUNTIME_CONFIG_TABLE_KEY, KeyType: 'HASH' }],
  };
}

export interface LocalDynamoDbOptions {
  readonly tables: readonly CreateTableCommandInput[];
  /** Folder that keeps the data between runs. @default in memory */
  readonly dataDir?: string;
  readonly region: string;
}

export interface LocalDynamoDb {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** dynalite in this process, with the tables created (or found, when persisted). */
export async function startDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  const server: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir ? { path: options.dataDir } : {}),
  });
  const port = await listen(server, 0, '127.0.0.1');
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: options.region, credentials: LOCAL_CREDENTIALS });
  try {
    for (const table of options.tables) await ensureTable(client, table);
  } catch (error) {
    await closeServer(server);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => closeServer(server) };
}

async function ensureTable(client: DynamoDBClient, table: CreateTableCommandInput): Promise<void> {
  const name = table.TableName ?? '';
  if ((await tableStatus(client, name)) === undefined) await client.send(new CreateTableCommand(table));
  // dynalite, like DynamoDB, answers ResourceNotFound until the new table is ACTIVE.
  for (let attempt = 0; (await tableStatus(client, name)) !== 'ACTIVE'; attempt++) {
    if (attempt >= 100) throw new Error(`table ${name} did not become ACTIVE`);
    await sleep(20);
  }
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.TableStatus;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
