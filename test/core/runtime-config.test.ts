import { deployTimeExperiment } from '../../lambda/core/experiment';
import {
  applyConfigAction,
  currentExperiment,
  effectiveKnobs,
  InvalidConfigChangeError,
  overrideProblems,
  type RoutingKnobs,
} from '../../lambda/core/runtime-config';

const deployTime: RoutingKnobs = {
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  shadowEnabled: true,
  sampleRate: 1,
  canaryPercent: 0,
};
const meta = {
  at: '2026-11-22T10:00:00.000Z',
  by: 'test',
  reason: 'because',
  allowedEndpoints: ['churn-v1', 'churn-v2'],
};

describe('runtime config', () => {
  it('uses the deploy-time values when nothing was changed', () => {
    expect(effectiveKnobs(deployTime, undefined)).toEqual(deployTime);
  });

  it('sets values on top of the deploy-time ones and records who, when and why', () => {
    const doc = applyConfigAction(
      deployTime,
      undefined,
      { action: 'set', values: { canaryPercent: 10, sampleRate: 0.2 } },
      meta,
    );
    expect(effectiveKnobs(deployTime, doc)).toEqual({ ...deployTime, canaryPercent: 10, sampleRate: 0.2 });
    expect(doc).toMatchObject({ version: 1, updatedBy: 'test', reason: 'because' });
    expect(doc.history[0]).toMatchObject({ action: 'set', changed: { canaryPercent: 10, sampleRate: 0.2 } });
  });

  it('promotes the candidate and rolls back to the previous production', () => {
    const canary = applyConfigAction(
      deployTime,
      undefined,
      { action: 'set', values: { canaryPercent: 20 } },
      meta,
    );
    const promoted = applyConfigAction(deployTime, canary, { action: 'promote' }, meta);
    expect(effectiveKnobs(deployTime, promoted)).toMatchObject({
      productionEndpoint: 'churn-v2',
      candidateEndpoints: ['churn-v1'],
      canaryPercent: 0,
    });
    const rolledBack = applyConfigAction(deployTime, promoted, { action: 'rollback' }, meta);
    expect(effectiveKnobs(deployTime, rolledBack)).toMatchObject({
      productionEndpoint: 'churn-v1',
      candidateEndpoints: ['churn-v2'],
      canaryPercent: 0,
    });
    expect(rolledBack.version).toBe(3);
    expect(rolledBack.history.map((h) => h.action)).toEqual(['rollback', 'promote', 'set']);
  });

  it('rolls a running canary back to 0% without touching production', () => {
    const canary = applyConfigAction(
      deployTime,
      undefined,
      { action: 'set', values: { canaryPercent: 30 } },
      meta,
    );
    const rolledBack = applyConfigAction(deployTime, canary, { action: 'rollback' }, meta);
    expect(effectiveKnobs(deployTime, rolledBack)).toEqual({ ...deployTime, canaryPercent: 0 });
  });

  it.each([
    [{ sampleRate: 1.5 }, 'sampleRate must be a number from 0 to 1'],
    [{ canaryPercent: -1 }, 'canaryPercent must be a number from 0 to 100'],
    [{ canaryPercent: '10' }, 'canaryPercent must be a number from 0 to 100'],
    [{ shadowEnabled: 'yes' }, 'shadowEnabled must be true or false'],
    [
      { productionEndpoint: 'someone-elses-endpoint' },
      'productionEndpoint must be one of churn-v1, churn-v2',
    ],
    [{ candidateEndpoints: ['nope'] }, 'candidateEndpoints must be a list of churn-v1, churn-v2'],
    [{ colour: 'blue' }, 'unknown setting "colour"'],
  ])('refuses %j', (values, message) => {
    expect(overrideProblems(values, meta.allowedEndpoints)).toContain(message);
    expect(() =>
      applyConfigAction(deployTime, undefined, { action: 'set', values: values as never }, meta),
    ).toThrow(InvalidConfigChangeError);
  });

  it('refuses to make production its own candidate and to promote without a candidate', () => {
    expect(() =>
      applyConfigAction(
        deployTime,
        undefined,
        { action: 'set', values: { productionEndpoint: 'churn-v2' } },
        meta,
      ),
    ).toThrow('production cannot also be a candidate');
    expect(() =>
      applyConfigAction({ ...deployTime, candidateEndpoints: [] }, undefined, { action: 'promote' }, meta),
    ).toThrow('there is no candidate to promote');
  });

  describe('experiments', () => {
    it('starts one when the canary share, sample rate, candidate or production changes, and only then', () => {
      const at = (minute: number) => ({
        ...meta,
        at: `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`,
      });
      const first = applyConfigAction(
        deployTime,
        undefined,
        { action: 'set', values: { canaryPercent: 5 } },
        at(1),
      );
      expect(first.experiment).toMatchObject({
        id: 'v1',
        startedAt: at(1).at,
        canaryPercent: 5,
        sampleRate: 1,
      });
      expect(first.experiments).toEqual([deployTimeExperiment(deployTime)]);

      // Same values again and a shadow switch that leaves the sample as it is: same experiment.
      const same = applyConfigAction(
        deployTime,
        first,
        { action: 'set', values: { canaryPercent: 5 } },
        at(2),
      );
      expect(same.experiment).toEqual(first.experiment);
      expect(same.experiments).toEqual(first.experiments);

      const sampled = applyConfigAction(
        deployTime,
        same,
        { action: 'set', values: { sampleRate: 0.5 } },
        at(3),
      );
      expect(sampled.experiment).toMatchObject({ id: 'v3', sampleRate: 0.5 });
      const off = applyConfigAction(
        deployTime,
        sampled,
        { action: 'set', values: { shadowEnabled: false } },
        at(4),
      );
      expect(off.experiment).toMatchObject({ id: 'v4', sampleRate: 0 });
      const promoted = applyConfigAction(deployTime, off, { action: 'promote' }, at(5));
      expect(promoted.experiment).toMatchObject({ id: 'v5', productionEndpoint: 'churn-v2' });
      expect(promoted.experiments?.map((e) => e.id)).toEqual([
        'v4',
        'v3',
        'v1',
        deployTimeExperiment(deployTime).id,
      ]);
    });

    it('names the deploy-time values by their hash until a runtime change', () => {
      const id = currentExperiment(deployTime, undefined).id;
      expect(id).toMatch(/^d[0-9a-f]{10}$/);
      expect(currentExperiment({ ...deployTime, canaryPercent: 1 }, undefined).id).not.toBe(id);
    });
  });
});
