import fc from 'fast-check';
import type { PredictRequest } from '../../lambda/core/predict-request';
import type { ShadowMessage } from '../../lambda/core/shadow-message';
import type { MetricsPort } from '../../lambda/use-cases/ports/metrics';
import type { InvokeModel } from '../../lambda/use-cases/ports/models';
import type { DispatchShadow } from '../../lambda/use-cases/ports/shadow-queue';
import { type RoutingConfig, servePrediction } from '../../lambda/use-cases/serve-prediction';

const config: RoutingConfig = {
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  shadowEnabled: true,
  sampleRate: 1,
  canaryPercent: 0,
  userKeySalt: 'salt',
  maxMessageBytes: 4096,
};

function fakes() {
  const invoked: string[] = [];
  const dispatched: ShadowMessage[] = [];
  const counts = new Map<string, number>();
  const invokeModel: InvokeModel = async (endpoint) => {
    invoked.push(endpoint);
    return {
      endpoint,
      latencyMs: 5,
      status: 'ok',
      contentType: 'application/json',
      body: `{"from":"${endpoint}"}`,
      encoding: 'utf8',
    };
  };
  const dispatchShadow: DispatchShadow = async (message) => {
    dispatched.push(message);
    return { outcome: 'dispatched' };
  };
  const metrics: MetricsPort = {
    count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value),
    milliseconds: () => undefined,
    ratio: () => undefined,
  };
  return {
    invoked,
    dispatched,
    counts,
    ports: { invokeModel, dispatchShadow, metrics, now: () => new Date('2026-11-22T10:00:00Z') },
  };
}

const request = (requestId: string, userId?: string, body = '{"a":1}'): PredictRequest => ({
  requestId,
  userId,
  contentType: 'application/json',
  accept: undefined,
  body,
  encoding: 'utf8',
  bytes: Buffer.from(body),
});

/** Serves and waits for the shadow dispatch the use case returns running, as before-response mode does. */
async function serveAndSend(...args: Parameters<typeof servePrediction>) {
  const served = await servePrediction(...args);
  return { ...served, sent: await served.dispatch };
}

describe('servePrediction', () => {
  it('serves production and dispatches a shadow copy with the candidates', async () => {
    const f = fakes();
    const served = await serveAndSend(request('r1', 'alice'), config, f.ports);
    expect(served).toMatchObject({
      servedVariant: 'production',
      shadow: 'sampled',
      sent: { outcome: 'dispatched' },
      sticky: true,
    });
    expect(f.invoked).toEqual(['churn-v1']);
    expect(f.counts.get('UnstickyRequests')).toBeUndefined();
    expect(f.dispatched[0]).toMatchObject({
      requestId: 'r1',
      candidates: ['churn-v2'],
      served: { endpoint: 'churn-v1' },
    });
  });

  it('serves a canary user from the candidate every time, records the request without a replay', async () => {
    const f = fakes();
    const canaryConfig = { ...config, canaryPercent: 50 };
    const user = 'sticky-user';
    const first = await serveAndSend(request('a', user), canaryConfig, f.ports);
    for (let i = 0; i < 20; i++) {
      const again = await serveAndSend(request(`a${i}`, user), canaryConfig, f.ports);
      expect(again.servedVariant).toBe(first.servedVariant);
    }
    // At a 50 % share, one of the first 200 users is on the canary unless bucketing is broken.
    const canaryUser = await (async () => {
      for (let i = 0; i < 200; i++) {
        const g = fakes();
        const s = await serveAndSend(request(`x${i}`, `u${i}`), canaryConfig, g.ports);
        if (s.servedVariant === 'canary') return { g, s };
      }
      throw new Error('no canary user among the first 200 at a 50 % canary share');
    })();
    expect(canaryUser.g.invoked).toEqual(['churn-v2']);
    expect(canaryUser.g.dispatched[0]).toMatchObject({ servedVariant: 'canary', candidates: [] });
    expect(canaryUser.g.counts.get('CanaryRecorded')).toBe(1);
    expect(canaryUser.g.counts.get('ShadowSampled')).toBeUndefined();
  });

  it('while a canary runs, records every production-served request too, without a replay', async () => {
    // Arrange: a canary on 10% of users, shadow sampling off, so nothing is replayed.
    const f = fakes();
    const running = { ...config, canaryPercent: 10, sampleRate: 0, experiment: 'v4', modelTimeoutMs: 3000 };

    // Act: 40 users' requests.
    const served = [];
    for (let i = 0; i < 40; i++)
      served.push(await serveAndSend(request(`p${i}`, `user-${i}`), running, f.ports));

    // Assert: every request is recorded, each stamped with the experiment; none was replayed.
    const production = served.filter((s) => s.servedVariant === 'production').length;
    expect(production).toBeGreaterThan(0);
    expect(f.dispatched).toHaveLength(40);
    expect(f.dispatched.every((m) => m.candidates.length === 0)).toBe(true);
    expect(f.dispatched.every((m) => m.experiment === 'v4' && m.servedTimeoutMs === 3000)).toBe(true);
    expect(f.counts.get('ProductionRecorded')).toBe(production);
    expect(f.counts.get('CanaryRecorded') ?? 0).toBe(40 - production);
    expect(served.every((s) => s.sent.outcome === 'not_sampled')).toBe(true);
  });

  it('records nothing beyond the shadow sample when no canary runs', async () => {
    const f = fakes();
    await serveAndSend(request('q1', 'user-1'), { ...config, sampleRate: 0 }, f.ports);
    expect(f.dispatched).toEqual([]);
  });

  it('falls back to the request id (unsticky) without a user id', async () => {
    const f = fakes();
    const served = await serveAndSend(request('r-anon'), { ...config, canaryPercent: 100 }, f.ports);
    expect(served).toMatchObject({ servedVariant: 'canary', sticky: false });
    expect(f.counts.get('UnstickyRequests')).toBe(1);
  });

  it('dispatches nothing with shadowing off or at 0% sampling, and never calls a candidate in the request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 20 }), async (id) => {
        for (const c of [
          { ...config, shadowEnabled: false },
          { ...config, sampleRate: 0 },
        ]) {
          const f = fakes();
          const served = await serveAndSend(request(id.replace(/[^A-Za-z0-9]/g, 'x')), c, f.ports);
          expect(served.sent).toEqual({ outcome: 'not_sampled' });
          expect(f.dispatched).toEqual([]);
          expect(f.invoked).toEqual(['churn-v1']);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('skips a shadow copy too large for a message, with a counted reason', async () => {
    const f = fakes();
    const served = await serveAndSend(
      request('big', undefined, JSON.stringify({ x: 'y'.repeat(5000) })),
      config,
      f.ports,
    );
    expect(served.sent).toEqual({ outcome: 'skipped', reason: 'too_large' });
    expect(f.dispatched).toEqual([]);
    expect(f.counts.get('ShadowSkipped')).toBe(1);
  });

  it('counts a sampled request with no candidate as skipped', async () => {
    const f = fakes();
    const served = await serveAndSend(request('r2'), { ...config, candidateEndpoints: [] }, f.ports);
    expect(served).toMatchObject({
      shadow: 'skipped',
      sent: { outcome: 'skipped', reason: 'no_candidates' },
    });
  });

  describe('the dispatch it returns running (the handler decides whether the answer waits)', () => {
    it('answers before the send settles; the send is counted when it does', async () => {
      const f = fakes();
      let release: () => void = () => undefined;
      const ports = {
        ...f.ports,
        dispatchShadow: (message: ShadowMessage) =>
          new Promise<{ outcome: 'dispatched' }>((resolve) => {
            f.dispatched.push(message);
            release = () => resolve({ outcome: 'dispatched' });
          }),
      };

      const served = await servePrediction(request('d1', 'alice'), config, ports);

      expect(served.shadow).toBe('sampled');
      expect(f.dispatched).toHaveLength(1);
      expect(f.counts.get('ShadowSampled')).toBe(1);
      expect(f.counts.get('ShadowDispatched')).toBeUndefined();
      release();
      await expect(served.dispatch).resolves.toEqual({ outcome: 'dispatched' });
      expect(f.counts.get('ShadowDispatched')).toBe(1);
    });

    it('still decides skips before answering: nothing is sent for a message too large', async () => {
      const f = fakes();
      const served = await servePrediction(
        request('d2', undefined, JSON.stringify({ x: 'y'.repeat(5000) })),
        config,
        f.ports,
      );
      expect(served.shadow).toBe('skipped');
      expect(f.dispatched).toEqual([]);
      expect(f.counts.get('ShadowSkipped')).toBe(1);
    });

    it('sends the record of a canary-served request too, as not sampled', async () => {
      const f = fakes();
      const served = await servePrediction(request('d4', 'bob'), { ...config, canaryPercent: 100 }, f.ports);
      expect(served).toMatchObject({ servedVariant: 'canary', shadow: 'not_sampled' });
      await expect(served.dispatch).resolves.toEqual({ outcome: 'not_sampled' });
      expect(f.dispatched[0]).toMatchObject({ requestId: 'd4', candidates: [] });
      expect(f.counts.get('CanaryRecorded')).toBe(1);
    });
  });
});
