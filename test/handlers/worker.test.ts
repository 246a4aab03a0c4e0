import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  SageMakerRuntimeServiceException,
} from '@aws-sdk/client-sagemaker-runtime';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { captureOutput } from '../support/captured-output';
import { shadowMessage, sqsEvent, sqsRecord, WORKER_ENV } from '../support/shadow-messages';

const modelMock = mockClient(SageMakerRuntimeClient);
const dbMock = mockClient(DynamoDBDocumentClient);
const context = { functionName: 'worker', awsRequestId: 'lambda-req' } as Context;

let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  Object.assign(process.env, WORKER_ENV);
  ({ handler } = await import('../../lambda/handlers/worker'));
});
beforeEach(() => {
  modelMock.reset();
  dbMock.reset();
  dbMock.on(GetCommand).resolves({});
  dbMock.on(UpdateCommand).resolves({});
  output = captureOutput();
});
afterEach(() => output.restore());

const candidateAnswers = (body: string) =>
  modelMock
    .on(InvokeEndpointCommand)
    .resolves({ Body: Buffer.from(body) as never, ContentType: 'application/json' });

const storedRecord = () => {
  const input = dbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
  const names = input.ExpressionAttributeNames!;
  const values = input.ExpressionAttributeValues!;
  return Object.fromEntries(Object.keys(names).map((k) => [names[k]!, values[`:v${k.slice(2)}`]]));
};

describe('worker handler', () => {
  it('invokes the candidate, compares and stores one record conditionally', async () => {
    candidateAnswers('{"label":"churn","probability":0.75}');

    const response = await handler(sqsEvent(sqsRecord(JSON.stringify(shadowMessage()), 'm1')), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(modelMock).toHaveReceivedCommandWith(InvokeEndpointCommand, { EndpointName: 'churn-v2' });
    expect(dbMock).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { requestId: 'req-1' },
      ConditionExpression: 'attribute_not_exists(comparedAt)',
    });
    const record = storedRecord();
    expect(record).toMatchObject({
      servedVariant: 'production',
      served: { endpoint: 'churn-v1', status: 'ok' },
      candidates: [
        {
          endpoint: 'churn-v2',
          result: { status: 'ok' },
          comparison: { comparator: 'classification', agree: true },
        },
      ],
      input: {
        contentType: 'application/json',
        body: '{"tenure_months":4}',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      expiresAt: Date.parse('2026-11-22T10:00:00.000Z') / 1000 + 7 * 86400,
    });
    expect(record).not.toHaveProperty('outcome');
    expect(output.metric('Compared')).toBe(1);
    expect(output.metric('Agreement')).toBe(1);
  });

  it('records a disagreement when the candidate predicts another label', async () => {
    candidateAnswers('{"label":"stay","probability":0.3}');
    await handler(sqsEvent(sqsRecord(JSON.stringify(shadowMessage()), 'm1')), context);
    expect(storedRecord().candidates[0].comparison.agree).toBe(false);
    expect(output.metric('Agreement')).toBe(0);
  });

  it('records a failing candidate as a candidate error, without a comparison', async () => {
    modelMock
      .on(InvokeEndpointCommand)
      .rejects(new ModelError({ message: 'container crashed', $metadata: {} }));

    const response = await handler(sqsEvent(sqsRecord(JSON.stringify(shadowMessage()), 'm1')), context);

    expect(response.batchItemFailures).toEqual([]);
    const candidate = storedRecord().candidates[0];
    expect(candidate.result).toMatchObject({ status: 'error', error: { code: 'model_error' } });
    expect(candidate).not.toHaveProperty('comparison');
    expect(output.metric('CandidateErrors')).toBe(1);
  });

  it('reports only the failed records of a batch for redelivery', async () => {
    modelMock.on(InvokeEndpointCommand).resolves({
      Body: Buffer.from('{"label":"churn","probability":0.8}') as never,
      ContentType: 'application/json',
    });
    const throttled = shadowMessage({ requestId: 'req-throttled', candidates: ['throttled-candidate'] });
    modelMock.on(InvokeEndpointCommand, { EndpointName: 'throttled-candidate' }).rejects(
      new SageMakerRuntimeServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );

    const response = await handler(
      sqsEvent(
        sqsRecord(JSON.stringify(shadowMessage({ requestId: 'req-ok' })), 'ok'),
        sqsRecord('{not json', 'poison'),
        sqsRecord(JSON.stringify({ ...shadowMessage(), v: 99 }), 'future-version'),
        sqsRecord(JSON.stringify(throttled), 'throttled'),
      ),
      context,
    );

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      'future-version',
      'poison',
      'throttled',
    ]);
    expect(dbMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(output.metric('InvalidShadowMessages')).toBe(2);
    expect(output.metric('CandidateThrottled')).toBe(1);
  });

  it('does not call the candidate again for a request already compared (redelivery)', async () => {
    const message = shadowMessage();
    const stored = {
      requestId: message.requestId,
      receivedAt: message.receivedAt,
      comparedAt: '2026-11-22T10:00:01.000Z',
      servedVariant: 'production',
      userKey: null,
      input: { contentType: 'application/json', bytes: 19, sha256: 'x' },
      served: message.served,
      candidates: [],
      expiresAt: 1,
    };
    dbMock.on(GetCommand).resolves({ Item: stored });

    const response = await handler(sqsEvent(sqsRecord(JSON.stringify(message), 'again', 2)), context);

    expect(response.batchItemFailures).toEqual([]);
    // The stored record is appended again, in case the delivery that wrote it stopped before.
    expect(output.metric('EvidenceLinesAppended')).toBe(1);
    expect(modelMock).toHaveReceivedCommandTimes(InvokeEndpointCommand, 0);
    expect(dbMock).toHaveReceivedCommandTimes(UpdateCommand, 0);
    expect(output.metric('DuplicateDeliveries')).toBe(1);
  });

  it('treats losing the conditional write to a concurrent delivery as a duplicate, not a failure', async () => {
    candidateAnswers('{"label":"churn","probability":0.8}');
    dbMock
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));

    const response = await handler(sqsEvent(sqsRecord(JSON.stringify(shadowMessage()), 'race')), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(output.metric('DuplicateDeliveries')).toBe(1);
    expect(output.metric('Compared')).toBe(0);
  });

  it('leaves a record for redelivery when the table is unavailable', async () => {
    candidateAnswers('{"label":"churn","probability":0.8}');
    dbMock
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('throughput'), { name: 'ProvisionedThroughputExceededException' }));

    const response = await handler(sqsEvent(sqsRecord(JSON.stringify(shadowMessage()), 'retry-me')), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'retry-me' }]);
  });

  it('keeps payloads out of its logs', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    modelMock
      .on(InvokeEndpointCommand)
      .rejects(new ModelError({ message: 'bad input {"tenure_months":4}', $metadata: {} }));
    await handler(
      sqsEvent(sqsRecord(JSON.stringify(shadowMessage()), 'm1'), sqsRecord('{"secret-poison":1}', 'm2')),
      context,
    );
    const logs = output.text();
    expect(logs).not.toContain('tenure_months');
    expect(logs).not.toContain('secret-poison');
  });
});
