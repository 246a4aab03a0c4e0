import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ROUTING_CONFIG_ID, runtimeKnobs, withExperiment } from '../../lambda/adapters/runtime-config-store';
import { DEPLOY_TIME_ROUTING } from '../support/runtime-config-table';

const deployTime = DEPLOY_TIME_ROUTING;

/** A GetItem that answers only when the test says so: the deadline always passes first. */
function gatedGetItem() {
  let release: (item: Record<string, unknown> | Error) => void = () => undefined;
  const answered = new Promise<Record<string, unknown> | Error>((resolve) => {
    release = resolve;
  });
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const mock = mockClient(client);
  mock.on(GetItemCommand).callsFake(async () => {
    const answer = await answered;
    if (answer instanceof Error) throw answer;
    return { Item: marshall(answer) };
  });
  return { client, mock, release };
}

/** Runtime knobs over a gated GetItem, with a 1 ms first-read deadline; counts errors and fallbacks. */
function knobsOverGatedRead() {
  const { client, mock, release } = gatedGetItem();
  const errors: unknown[] = [];
  const counted = { fallbacks: 0 };
  const knobs = runtimeKnobs({
    client,
    tableName: 'runtime-config',
    deployTime,
    maxAgeSeconds: 300,
    firstReadTimeoutMs: 1,
    onError: (error) => errors.push(error),
    onDeadlineFallback: () => {
      counted.fallbacks++;
    },
  });
  return { knobs, mock, release, errors, counted };
}

describe('runtimeKnobs: the first read at cold start', () => {
  it('answers with the deploy-time values past its deadline, reports a fallback (not an error), and uses the read once it succeeds', async () => {
    // Arrange
    const { knobs, mock, release, errors, counted } = knobsOverGatedRead();

    // Act: the read is held until after the deadline.
    const first = await knobs();
    release({
      id: ROUTING_CONFIG_ID,
      value: JSON.stringify({ version: 1, overrides: { canaryPercent: 5 }, history: [] }),
    });
    let later = await knobs();
    for (let i = 0; i < 100 && later.canaryPercent !== 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      later = await knobs();
    }

    // Assert
    expect(first).toEqual(withExperiment(deployTime, undefined));
    expect(counted.fallbacks).toBe(1);
    expect(later.canaryPercent).toBe(5);
    expect(errors).toEqual([]);
    mock.restore();
  });

  it('reports a read that fails after its deadline as one error, on top of the fallback', async () => {
    // Arrange
    const { knobs, mock, release, errors, counted } = knobsOverGatedRead();

    // Act
    expect(await knobs()).toEqual(withExperiment(deployTime, undefined));
    release(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    for (let i = 0; i < 100 && errors.length === 0; i++)
      await new Promise((resolve) => setImmediate(resolve));

    // Assert
    expect(counted.fallbacks).toBe(1);
    expect(errors).toHaveLength(1);
    expect(await knobs()).toEqual(withExperiment(deployTime, undefined));
    mock.restore();
  });
});
