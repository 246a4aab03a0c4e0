import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { shadowDispatcher } from '../../lambda/adapters/shadow-dispatcher';
import { type LocalSqs, startSqs } from '../../local/emulators/sqs';
import { LOCAL_CREDENTIALS } from '../../local/local-aws';
import { shadowMessage } from '../support/shadow-messages';

describe('shadowDispatcher against fauxqs', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  beforeAll(async () => {
    sqs = await startSqs({
      region: 'us-east-1',
      queueName: 'shadow',
      deadLetterQueueName: 'shadow-dlq',
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 3,
    });
    client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('sends the message as JSON to the queue and reports it dispatched', async () => {
    // Arrange: a budget no local send comes near
    const message = shadowMessage({ requestId: 'dispatched-1' });
    // Act
    const result = await shadowDispatcher(client, sqs.queue.url, 30_000)(message);
    // Assert
    expect(result).toEqual({ outcome: 'dispatched' });
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queue.url, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([message]);
  });

  it('reports a send to a queue that does not exist as failed, with the error’s name', async () => {
    const result = await shadowDispatcher(client, `${sqs.queue.url}-missing`, 30_000)(shadowMessage());
    expect(result).toMatchObject({ outcome: 'failed', reason: 'error', errorName: expect.any(String) });
  });
});

describe('shadowDispatcher past its budget (SDK mocked, fake timers)', () => {
  // One mocked instance: the fauxqs tests above use real clients.
  const mocked = new SQSClient({});
  const sqsMock = mockClient(mocked);
  const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/shadow';
  let settle: { resolve: () => void; reject: (error: Error) => void };

  beforeEach(() => {
    jest.useFakeTimers();
    sqsMock.reset();
    sqsMock.on(SendMessageCommand).callsFake(
      () =>
        new Promise((resolve, reject) => {
          settle = { resolve: () => resolve({ MessageId: 'm-1' }), reject };
        }),
    );
  });
  afterEach(() => jest.useRealTimers());

  it('stops waiting at the budget without aborting the send, and says later that it landed', async () => {
    // Act
    const pending = shadowDispatcher(mocked, QUEUE, 20)(shadowMessage());
    await jest.advanceTimersByTimeAsync(20);
    const result = await pending;
    // Assert
    expect(result.outcome).toBe('late');
    settle.resolve();
    await expect(result.outcome === 'late' ? result.landed : undefined).resolves.toBe(true);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });

  it('says a late send that fails afterwards never landed, without an unhandled rejection', async () => {
    const pending = shadowDispatcher(mocked, QUEUE, 20)(shadowMessage());
    await jest.advanceTimersByTimeAsync(20);
    const result = await pending;
    settle.reject(Object.assign(new Error('gone'), { name: 'QueueDoesNotExist' }));
    await expect(result.outcome === 'late' ? result.landed : undefined).resolves.toBe(false);
  });

  it('turns even a synchronous throw of the client into a counted failure', async () => {
    const throwing = {
      send: () => {
        throw Object.assign(new Error('bad config'), { name: 'ConfigError' });
      },
    };
    const result = await shadowDispatcher(throwing as unknown as SQSClient, QUEUE, 20)(shadowMessage());
    expect(result).toEqual({ outcome: 'failed', reason: 'error', errorName: 'ConfigError' });
    expect(jest.getTimerCount()).toBe(0);
  });
});
