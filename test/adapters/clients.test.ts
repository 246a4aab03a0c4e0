import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import {
  athenaClient,
  dynamoDbClient,
  firehoseClient,
  sageMakerRuntimeClient,
  sqsClient,
} from '../../lambda/adapters/clients';
import { dynamoDocumentClient } from '../../lambda/adapters/comparison-store';

/**
 * A server that answers nothing until `expected` requests are open at once, then answers them all:
 * it proves a client opens that many sockets in parallel (a capped pool would wait forever).
 */
async function barrierServer(expected: number, answer: (res: ServerResponse) => void) {
  const waiting: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    waiting.push(res);
    if (waiting.length === expected) for (const r of waiting.splice(0)) answer(r);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Counts requests and answers each with a 503 (a retryable failure). */
async function unavailableServer() {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    requests += 1;
    res.writeHead(503, { 'Content-Type': 'application/json', 'X-Amzn-ErrorType': 'ServiceUnavailable' });
    res.end('{"message":"busy"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

// The SDK's default pool is 50 sockets per client; local mode serves hundreds at once.
const CONCURRENT = 60;

describe('SDK client factories', () => {
  it('DynamoDB: more than 50 calls in flight through one client, endpoint from AWS_ENDPOINT_URL_DYNAMODB', async () => {
    // Arrange
    const server = await barrierServer(CONCURRENT, (res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' });
      res.end('{}');
    });
    process.env.AWS_ENDPOINT_URL_DYNAMODB = server.url;
    const client = dynamoDbClient();
    try {
      // Act
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) =>
          client.send(new GetItemCommand({ TableName: 't', Key: { id: { S: `k${i}` } } })),
        ),
      );
      // Assert
      expect(answers).toHaveLength(CONCURRENT);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('SageMaker runtime: more than 50 calls in flight, and as many attempts as asked for', async () => {
    const server = await barrierServer(CONCURRENT, (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"label":"stay"}');
    });
    process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = server.url;
    const client = sageMakerRuntimeClient({ maxAttempts: 2, attemptTimeoutMs: 10_000 });
    try {
      const invoke = () =>
        client.send(
          new InvokeEndpointCommand({ EndpointName: 'm', ContentType: 'application/json', Body: '{}' }),
        );
      const answers = await Promise.all(Array.from({ length: CONCURRENT }, invoke));
      expect(answers.map((a) => Buffer.from(a.Body ?? new Uint8Array()).toString())).toContain(
        '{"label":"stay"}',
      );
    } finally {
      client.destroy();
      await server.close();
    }

    const unavailable = await unavailableServer();
    process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = unavailable.url;
    const retrying = sageMakerRuntimeClient({ maxAttempts: 2, attemptTimeoutMs: 10_000 });
    try {
      await expect(
        retrying.send(
          new InvokeEndpointCommand({ EndpointName: 'm', ContentType: 'application/json', Body: '{}' }),
        ),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
      expect(unavailable.requests()).toBe(2);
    } finally {
      retrying.destroy();
      await unavailable.close();
    }
  });

  it.each([
    ['SQS', 2, sqsClient],
    ['Firehose', 3, firehoseClient],
    ['Athena', 3, athenaClient],
  ] as const)('%s makes at most %s attempts per call', async (_name, attempts, make) => {
    const client = make();
    try {
      expect(await client.config.maxAttempts()).toBe(attempts);
    } finally {
      client.destroy();
    }
  });
});

describe('middleware stacks resolved once per client', () => {
  it('is on for every handler client, and off for the one a document client wraps (lib-dynamodb refuses it)', () => {
    const clients = [
      sageMakerRuntimeClient({ maxAttempts: 1, attemptTimeoutMs: 1000 }),
      sqsClient(),
      dynamoDbClient(),
      firehoseClient(),
      athenaClient(),
    ];
    for (const client of clients) expect(client.config.cacheMiddleware).toBe(true);
    const documents = dynamoDocumentClient();
    expect(documents.config.cacheMiddleware).toBeFalsy();
    for (const client of [...clients, documents]) client.destroy();
  });
});
