import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { comparisonTable } from '../../local/emulators/dynamodb';

// dynalite ships no types.
const dynalite = require('dynalite') as (options?: { createTableMs?: number }) => import('node:http').Server;

/**
 * An in-process DynamoDB (dynalite) on a free port, with the comparison table created from the
 * same definition local mode uses (which a local test checks against the stack's keys).
 */
export async function startDynalite(
  tableName: string,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint });
  await client.send(new CreateTableCommand(comparisonTable(tableName)));
  client.destroy();
  return { endpoint, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
