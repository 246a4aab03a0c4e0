import type { MetricsPort } from '../../lambda/adapters/metrics';
import type { InvokeModel } from '../../lambda/adapters/model-endpoint';
import { createComparator } from '../../lambda/core/comparators';
import { labelReader } from '../../lambda/core/comparators/predicted-label';
import type { ComparisonRecord } from '../../lambda/core/comparison-record';
import type { ModelResult } from '../../lambda/core/model-result';
import { CandidateThrottledError, compareShadow } from '../../lambda/use-cases/compare-shadow';
import { shadowMessage } from '../support/shadow-messages';

const options = { captureInput: false, maxStoredBodyBytes: 4096, recordTtlDays: 7, noiseBaselineRate: 0 };

function fakes(answers: Record<string, Partial<ModelResult>>) {
  const invoked: string[] = [];
  const saved: ComparisonRecord[] = [];
  const counts = new Map<string, number>();
  const latencies: { name: string; value: number }[] = [];
  const invokeModel: InvokeModel = async (endpoint) => {
    invoked.push(endpoint);
    return {
      endpoint,
      latencyMs: 7,
      status: 'ok',
      contentType: 'application/json',
      encoding: 'utf8',
      ...answers[endpoint],
    };
  };
  const metrics: MetricsPort = {
    count: (name, value = 1) => counts.set(name, (counts.get(name) ?? 0) + value),
    milliseconds: (name, value) => latencies.push({ name, value }),
    ratio: (name, value) => counts.set(name, (counts.get(name) ?? 0) + value),
  };
  const store = {
    isCompared: async (id: string) => saved.some((r) => r.requestId === id),
    saveComparison: async (record: ComparisonRecord) => {
      saved.push(record);
      return { saved: 'created' as const };
    },
  };
  const comparator = createComparator({
    type: 'classification',
    labelPath: 'label',
    scorePath: 'probability',
    maxScoreDelta: 0.1,
  });
  return {
    invoked,
    saved,
    counts,
    latencies,
    ports: {
      invokeModel,
      store,
      comparator,
      labelOf: labelReader(undefined),
      metrics,
      now: () => new Date('2026-11-22T10:00:01Z'),
    },
  };
}

describe('compareShadow', () => {
  it('stores the input hash only when input capture is off', async () => {
    const f = fakes({ 'churn-v2': { body: '{"label":"churn","probability":0.8}' } });
    await compareShadow(shadowMessage(), options, f.ports);
    expect(f.saved[0]?.input).toEqual({
      contentType: 'application/json',
      bytes: 19,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('measures the noise baseline by re-invoking production for the sampled share', async () => {
    const f = fakes({
      'churn-v1': { body: '{"label":"stay","probability":0.4}' },
      'churn-v2': { body: '{"label":"churn","probability":0.8}' },
    });
    await compareShadow(shadowMessage(), { ...options, noiseBaselineRate: 1 }, f.ports);

    expect(f.invoked.sort()).toEqual(['churn-v1', 'churn-v2']);
    expect(f.saved[0]?.noiseBaseline).toMatchObject({ endpoint: 'churn-v1', comparison: { agree: false } });
    // Production's answer is already in the record: the baseline keeps no second copy.
    expect(f.saved[0]?.noiseBaseline?.result).toEqual({ endpoint: 'churn-v1', latencyMs: 7, status: 'ok' });
    expect(f.counts.get('NoiseBaselineAgreement')).toBe(0);
  });

  it('does not measure noise at rate 0, nor when production itself failed', async () => {
    const f = fakes({ 'churn-v2': { body: '{"label":"churn","probability":0.8}' } });
    await compareShadow(shadowMessage({ requestId: 'a' }), options, f.ports);
    const failed = {
      ...shadowMessage().production,
      status: 'error' as const,
      error: { code: 'model_error' as const, message: 'x' },
    };
    await compareShadow(
      shadowMessage({ requestId: 'b', production: failed }),
      { ...options, noiseBaselineRate: 1 },
      f.ports,
    );
    expect(f.invoked).toEqual(['churn-v2', 'churn-v2']);
    expect(f.saved.map((r) => r.noiseBaseline)).toEqual([undefined, undefined]);
    expect(f.saved[1]?.candidates[0]).not.toHaveProperty('comparison');
  });

  it('replays against every candidate and compares each', async () => {
    const f = fakes({
      'churn-v2': { body: '{"label":"churn","probability":0.8}' },
      'churn-v3': { body: '{"label":"stay","probability":0.1}' },
    });
    await compareShadow(shadowMessage({ candidates: ['churn-v2', 'churn-v3'] }), options, f.ports);
    expect(f.saved[0]?.candidates.map((c) => [c.endpoint, c.comparison?.agree])).toEqual([
      ['churn-v2', true],
      ['churn-v3', false],
    ]);
  });

  it('records the latency of every candidate call, failed ones too, as production latency is recorded', async () => {
    const f = fakes({
      'churn-v2': { body: '{"label":"churn","probability":0.8}', latencyMs: 12 },
      'churn-v3': { status: 'error', latencyMs: 2000, error: { code: 'timeout', message: 'slow' } },
    });
    await compareShadow(shadowMessage({ candidates: ['churn-v2', 'churn-v3'] }), options, f.ports);
    expect(f.latencies).toEqual([
      { name: 'CandidateLatency', value: 12 },
      { name: 'CandidateLatency', value: 2000 },
    ]);
    expect(f.counts.get('CandidateErrors')).toBe(1);
  });

  it('pushes a throttled candidate back to the queue instead of recording an error', async () => {
    const f = fakes({ 'churn-v2': { status: 'error', error: { code: 'throttled', message: 'slow down' } } });
    await expect(compareShadow(shadowMessage(), options, f.ports)).rejects.toThrow(CandidateThrottledError);
    expect(f.saved).toEqual([]);
  });

  it('records a canary-served request without calling anything', async () => {
    const f = fakes({});
    await compareShadow(
      shadowMessage({ servedVariant: 'canary', candidates: [] }),
      { ...options, noiseBaselineRate: 1 },
      f.ports,
    );
    expect(f.invoked).toEqual([]);
    expect(f.saved[0]).toMatchObject({ servedVariant: 'canary', candidates: [] });
    expect(f.counts.get('Compared')).toBeUndefined();
  });
});
