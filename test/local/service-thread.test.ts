import { createServer } from 'node:http';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { UserError } from '../../lambda/core/errors';
import { comparisonTable } from '../../local/emulators/dynamodb';
import { closeServer, listen } from '../../local/http-server';
import { loadModelsFile } from '../../local/model-server/models-file';
import { DEFAULT_MODELS_FILE } from '../../local/start-local';
import { deserializeError, serializeError } from '../../local/threads/protocol';
import { startServiceThread } from '../../local/threads/service-thread';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const { endpoints } = loadModelsFile(DEFAULT_MODELS_FILE);

describe('the shadow service thread', () => {
  it('serves DynamoDB and the models from its own thread, and is gone after stop', async () => {
    const shadow = await startServiceThread('shadow', {
      dynamodb: { tables: [comparisonTable('comparisons')], region },
      models: { endpoints, region },
    });
    const dynamodb = new DynamoDBClient({ endpoint: shadow.info.dynamodbEndpoint, region, credentials });
    const models = new SageMakerRuntimeClient({ endpoint: shadow.info.modelServerUrl, region, credentials });
    try {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'comparisons' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      const answer = await models.send(
        new InvokeEndpointCommand({
          EndpointName: 'churn-v1',
          ContentType: 'application/json',
          Body: JSON.stringify({ tenure_months: 4, monthly_charges: 89.5, support_calls: 3 }),
        }),
      );
      expect(JSON.parse(Buffer.from(answer.Body ?? new Uint8Array()).toString())).toHaveProperty('label');
    } finally {
      dynamodb.destroy();
      models.destroy();
      await shadow.stop();
    }
    // Stopped: nothing listens any more, and calls are refused instead of hanging.
    await expect(fetch(shadow.info.dynamodbEndpoint)).rejects.toThrow();
    await expect(shadow.call('stopWorker')).rejects.toThrow(/thread is gone/);
    await shadow.stop(); // idempotent
  });

  it('rejects the start with the cause when the service cannot start', async () => {
    const taken = createServer();
    const port = await listen(taken, 0, '127.0.0.1');
    try {
      await expect(
        startServiceThread('shadow', {
          dynamodb: { tables: [comparisonTable('comparisons')], region },
          models: { endpoints, region, port },
        }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await closeServer(taken);
    }
  });

  it('reports a failed call to the caller, and the service keeps running', async () => {
    const shadow = await startServiceThread('shadow', {
      dynamodb: { tables: [], region },
      models: { endpoints, region },
    });
    try {
      await expect(
        // biome-ignore lint/suspicious/noExplicitAny: a method the service does not have, on purpose.
        (shadow.call as any)('noSuchCall'),
      ).rejects.toThrow('the shadow service has no call "noSuchCall"');
      await expect(shadow.call('stopWorker')).resolves.toBeUndefined();
    } finally {
      await shadow.stop();
    }
  });
});

describe('errors across threads', () => {
  it('keeps a UserError a UserError (one line for the person at the terminal)', () => {
    const revived = deserializeError(serializeError(new UserError('--data-dir x is in use; pass another')));
    expect(revived).toBeInstanceOf(UserError);
    expect(revived.message).toBe('--data-dir x is in use; pass another');
  });

  it('keeps the name, message and stack of any other error', () => {
    const original = new TypeError('boom');
    const revived = deserializeError(serializeError(original));
    expect(revived).not.toBeInstanceOf(UserError);
    expect(revived.name).toBe('TypeError');
    expect(revived.message).toBe('boom');
    expect(revived.stack).toBe(original.stack);
  });
});
