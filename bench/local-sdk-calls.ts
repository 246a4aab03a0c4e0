/**
 * CPU per SDK call to local mode's emulators, one kind of call at a time, all in this thread:
 * what a call costs the client and the emulator together, without the rest of local mode.
 *
 *   npx tsx bench/local-sdk-calls.ts [--in-process] [--cache-middleware] [--calls 5000]
 *
 * `--in-process`: the SQS client reaches fauxqs over in-memory connections, as the router's does
 * in local mode (local/in-process-http.ts); otherwise, and always for the others, loopback TCP.
 * `--cache-middleware`: clients cache their middleware stacks (lambda/adapters/clients.ts does;
 * the model invoker's calls, which pass an abort signal, and the document client do not get it).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { comparisonTable, startDynamoDb } from '../local/emulators/dynamodb';
import { startSqs } from '../local/emulators/sqs';
import { LOCAL_CREDENTIALS } from '../local/local-aws';
import { instantEndpoint } from '../local/model-server/models-file';
import { startModelServer } from '../local/model-server/server';

const { values } = parseArgs({
  options: {
    'in-process': { type: 'boolean', default: false },
    'cache-middleware': { type: 'boolean', default: false },
    calls: { type: 'string', default: '5000' },
  },
});
const CALLS = Number(values.calls);
const CONCURRENCY = 16;
const WARM_UP_CALLS = 300;
const region = 'us-east-1';
const inProcessClients = values['in-process'];

async function measure(name: string, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < WARM_UP_CALLS; i++) await call(CALLS + i);
  const cpu = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < CALLS; i = next++) await call(i);
    }),
  );
  const { user, system } = process.cpuUsage(cpu);
  console.log(
    `| ${name} | ${((user + system) / 1000 / CALLS).toFixed(3)} | ${(system / 1000 / CALLS).toFixed(3)} |`,
  );
}

async function main(): Promise<void> {
  const models = await startModelServer({
    endpoints: {
      model: instantEndpoint('churn-v1'),
    },
    region,
  });
  const sqs = await startSqs({
    region,
    queueName: 'bench',
    deadLetterQueueName: 'bench-dlq',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
    inProcessClients,
  });
  const dynamodb = await startDynamoDb({ tables: [comparisonTable('bench')], region });
  const common = {
    region,
    credentials: LOCAL_CREDENTIALS,
    ...(values['cache-middleware'] ? { cacheMiddleware: true } : {}),
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: Infinity } }),
  };
  const modelClient = new SageMakerRuntimeClient({ ...common, endpoint: models.url, maxAttempts: 1 });
  const queueClient = new SQSClient({ ...common, endpoint: sqs.endpoint, maxAttempts: 2 });
  const tableClient = new DynamoDBClient({ ...common, endpoint: dynamodb.endpoint });
  const input = JSON.stringify({ tenure_months: 4, monthly_charges: 89.5, support_calls: 3 });
  // About the size of a shadow message.
  const message = JSON.stringify({
    requestId: 'x'.repeat(36),
    payload: input,
    production: { body: '{"label":"churn","probability":0.79}', latencyMs: 25 },
    at: new Date().toISOString(),
  });
  try {
    console.log(
      `${CALLS} calls each, ${CONCURRENCY} at a time, ${inProcessClients ? 'SQS over in-memory connections' : 'loopback TCP'}, middleware ${values['cache-middleware'] ? 'cached' : 'resolved per call'}`,
    );
    console.log('| call | CPU ms per call | of which system |');
    console.log('| --- | ---: | ---: |');
    await measure('InvokeEndpoint', () =>
      modelClient.send(
        new InvokeEndpointCommand({ EndpointName: 'model', Body: input, ContentType: 'application/json' }),
      ),
    );
    await measure('SendMessage', () =>
      queueClient.send(new SendMessageCommand({ QueueUrl: sqs.queue.url, MessageBody: message })),
    );
    await measure('PutItem', (i) =>
      tableClient.send(
        new PutItemCommand({ TableName: 'bench', Item: { requestId: { S: `r${i}` }, body: { S: message } } }),
      ),
    );
    await measure('GetItem', (i) =>
      tableClient.send(new GetItemCommand({ TableName: 'bench', Key: { requestId: { S: `r${i}` } } })),
    );
  } finally {
    modelClient.destroy();
    queueClient.destroy();
    tableClient.destroy();
    await models.close();
    await sqs.stop();
    await dynamodb.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = 1;
});
