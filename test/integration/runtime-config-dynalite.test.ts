import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { RuntimeConfigStore, runtimeKnobs } from '../../lambda/adapters/runtime-config-store';
import { deployTimeExperiment } from '../../lambda/core/experiment';
import { captureOutput } from '../support/captured-output';
import { DEPLOY_TIME_ROUTING, startRuntimeConfigTable } from '../support/runtime-config-table';
import { waitFor } from '../support/wait-for';

const CONFIG_TABLE = 'runtime-config';
const deployTime = DEPLOY_TIME_ROUTING;
const meta = { by: 'test', reason: 'test', allowedEndpoints: ['churn-v1', 'churn-v2'] };

let table: Awaited<ReturnType<typeof startRuntimeConfigTable>>;
let client: DynamoDBClient;
let store: RuntimeConfigStore;

beforeAll(async () => {
  table = await startRuntimeConfigTable(CONFIG_TABLE);
  client = table.client;
  store = new RuntimeConfigStore(client, CONFIG_TABLE);
});
afterAll(() => table.stop());

describe('runtime config against DynamoDB (dynalite)', () => {
  it('serves deploy-time values until a change, then the change within the cache age, without blocking requests', async () => {
    const knobs = runtimeKnobs({
      client,
      tableName: CONFIG_TABLE,
      deployTime,
      maxAgeSeconds: 0.05,
      firstReadTimeoutMs: 1000,
    });
    expect(await knobs()).toEqual({ ...deployTime, experiment: deployTimeExperiment(deployTime).id });

    await store.change(deployTime, { action: 'set', values: { canaryPercent: 25 } }, meta);

    // Each call past the cache age starts a refresh in the background; one of them brings it.
    const seen = await waitFor(
      async () => ((await knobs()).canaryPercent === 25 ? 25 : undefined),
      'the change to reach the router',
      10_000,
      20,
    );
    expect(seen).toBe(25);
  });

  it('falls back to deploy-time values when the table cannot be read', async () => {
    const errors: unknown[] = [];
    const knobs = runtimeKnobs({
      client,
      tableName: 'no-such-table',
      deployTime,
      maxAgeSeconds: 5,
      firstReadTimeoutMs: 1000,
      onError: (e) => errors.push(e),
    });
    expect(await knobs()).toEqual({ ...deployTime, experiment: deployTimeExperiment(deployTime).id });
    expect(errors.length).toBe(1);
  });

  it('does not lose a change when two writers race (optimistic concurrency)', async () => {
    await Promise.all([
      store.change(deployTime, { action: 'set', values: { sampleRate: 0.5 } }, meta),
      store.change(deployTime, { action: 'set', values: { shadowEnabled: false } }, meta),
    ]);
    const doc = await store.read();
    expect(doc?.overrides).toMatchObject({ sampleRate: 0.5, shadowEnabled: false });
  });

  it('rolls the canary back when a guardrail alarm fires, recording which alarm and when', async () => {
    await store.change(deployTime, { action: 'set', values: { canaryPercent: 40 } }, meta);
    Object.assign(process.env, {
      RUNTIME_CONFIG_TABLE: CONFIG_TABLE,
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      PRODUCTION_ENDPOINT: 'churn-v1',
      CANDIDATE_ENDPOINTS: 'churn-v2',
    });
    const { handler } = await import('../../lambda/handlers/rollback');
    const output = captureOutput();
    try {
      const ignored = await handler(
        { source: 'aws.cloudwatch', alarmData: { alarmName: 'x', state: { value: 'OK' } } },
        {} as Context,
      );
      expect(ignored.rolledBack).toBe(false);
      expect((await store.read())?.overrides.canaryPercent).toBe(40);

      const result = await handler(
        {
          source: 'aws.cloudwatch',
          time: '2026-11-22T10:00:00Z',
          alarmData: {
            alarmName: 'ShadowRollout-dev-CanaryConversionDrop',
            state: { value: 'ALARM', reason: 'Threshold crossed', timestamp: '2026-11-22T10:00:00.000+0000' },
          },
        },
        {} as Context,
      );

      expect(result.rolledBack).toBe(true);
      const doc = await store.read();
      expect(doc?.overrides.canaryPercent).toBe(0);
      expect(doc?.updatedBy).toBe('automatic-rollback');
      expect(doc?.reason).toContain('ShadowRollout-dev-CanaryConversionDrop');
      expect(doc?.reason).toContain('2026-11-22T10:00:00.000+0000');
      expect(output.metric('AutomaticRollbacks')).toBe(1);
    } finally {
      output.restore();
    }
  });

  it('replaces the document only at the version it was computed from (a concurrent writer wins)', async () => {
    const current = await store.read();
    const version = current?.version ?? 0;
    const next = {
      ...(current ?? { overrides: {}, history: [] }),
      version: version + 1,
      updatedAt: 'now',
      updatedBy: 'a',
      reason: 'a',
    };
    expect(await store.replace(next as never, version)).toBe(true);
    // A second writer that read the same version loses, and the first write stands.
    expect(await store.replace({ ...next, updatedBy: 'b' } as never, version)).toBe(false);
    expect((await store.read())?.updatedBy).toBe('a');
  });
});
