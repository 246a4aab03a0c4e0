import { runtimeConfigExperiments } from '../../lambda/adapters/experiment-catalog';
import type { ExperimentStart } from '../../lambda/core/experiment';
import type { RoutingKnobs, RuntimeConfigDocument } from '../../lambda/core/runtime-config';

const DEPLOY_TIME: RoutingKnobs = {
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  shadowEnabled: true,
  sampleRate: 0.5,
  canaryPercent: 0,
};
const started = (id: string, canaryPercent: number): ExperimentStart => ({
  id,
  startedAt: '2026-11-30T08:00:00.000Z',
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  canaryPercent,
  sampleRate: 0.5,
});
const document = (overrides: Partial<RuntimeConfigDocument>): RuntimeConfigDocument => ({
  version: 3,
  overrides: { canaryPercent: 10 },
  updatedAt: '2026-11-30T08:00:00.000Z',
  updatedBy: 'test',
  reason: 'test',
  history: [],
  ...overrides,
});

describe('runtimeConfigExperiments', () => {
  it('without a runtime config document: the deploy-time experiment, current and only', async () => {
    const catalog = runtimeConfigExperiments(async () => undefined, DEPLOY_TIME);
    const current = await catalog.current();
    expect(current).toMatchObject({ startedAt: null, productionEndpoint: 'churn-v1', sampleRate: 0.5 });
    expect(current.id).toMatch(/^d[0-9a-f]{10}$/);
    expect(await catalog.recent()).toEqual([current]);
  });

  it('with one: its experiment in force first, then the earlier ones it records, read afresh each time', async () => {
    // Arrange
    let doc = document({ experiment: started('v3', 10), experiments: [started('v2', 5)] });
    const catalog = runtimeConfigExperiments(async () => doc, DEPLOY_TIME);
    // Act / Assert
    expect((await catalog.recent()).map((e) => e.id)).toEqual(['v3', 'v2']);
    doc = document({ experiment: started('v4', 20), experiments: [started('v3', 10), started('v2', 5)] });
    expect((await catalog.current()).id).toBe('v4');
    expect((await catalog.recent()).map((e) => e.id)).toEqual(['v4', 'v3', 'v2']);
  });
});
