import { createComparator } from '../../lambda/core/comparators';
import { labelReader } from '../../lambda/core/comparators/predicted-label';
import type { ComparisonRecord } from '../../lambda/core/comparison-record';
import type { RecordLine } from '../../lambda/core/evidence/log-lines';
import type { ModelResult } from '../../lambda/core/model-result';
import { EvidenceAppendError } from '../../lambda/use-cases/append-evidence';
import { CandidateThrottledError, compareShadow } from '../../lambda/use-cases/compare-shadow';
import type { EvidenceLine } from '../../lambda/use-cases/ports/evidence';
import type { MetricsPort } from '../../lambda/use-cases/ports/metrics';
import type { InvokeModel } from '../../lambda/use-cases/ports/models';
import { shadowMessage } from '../support/shadow-messages';

const options = {
  captureInput: false,
  maxStoredBodyBytes: 4096,
  recordTtlDays: 7,
  noiseBaselineRate: 0,
  candidateTimeoutMs: 5000,
};

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
      if (saved.some((r) => r.requestId === record.requestId)) return { saved: 'duplicate' as const };
      saved.push(record);
      return { saved: 'created' as const };
    },
    get: async (id: string) => saved.find((r) => r.requestId === id),
  };
  const appended: EvidenceLine[] = [];
  const log = {
    failing: false,
    append: async (lines: readonly EvidenceLine[]) => {
      if (log.failing) throw new Error('stream unavailable');
      appended.push(...lines);
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
    appended,
    log,
    ports: {
      invokeModel,
      store,
      evidenceLog: log,
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
      ...shadowMessage().served,
      status: 'error' as const,
      error: { code: 'model_error' as const, message: 'x' },
    };
    await compareShadow(
      shadowMessage({ requestId: 'b', served: failed }),
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

  describe('evidence log', () => {
    const recordLinesOf = (lines: readonly EvidenceLine[]) =>
      lines.filter((l) => l.kind === 'record').map((l) => l.line as RecordLine);

    it('appends one line per candidate, stamped with the experiment', async () => {
      const f = fakes({
        'churn-v2': { body: '{"label":"churn","probability":0.8}' },
        'churn-v3': { status: 'error', latencyMs: 40, error: { code: 'timeout', message: 'slow' } },
      });
      await compareShadow(
        shadowMessage({ candidates: ['churn-v2', 'churn-v3'], experiment: '7', servedTimeoutMs: 3000 }),
        options,
        f.ports,
      );
      const lines = recordLinesOf(f.appended);
      expect(lines.map((l) => [l.candidateEndpoint, l.candidateStatus, l.agree, l.experiment])).toEqual([
        ['churn-v2', 'ok', true, '7'],
        ['churn-v3', 'error', null, '7'],
      ]);
      expect(lines[0]).toMatchObject({ shadowSampled: true, timeoutMs: 5000, servedTimeoutMs: 3000 });
      expect(f.counts.get('EvidenceLinesAppended')).toBe(2);
    });

    it('fails the message when the append fails, and a redelivery appends the stored record', async () => {
      const f = fakes({ 'churn-v2': { body: '{"label":"churn","probability":0.8}' } });
      f.log.failing = true;
      // Arrange: the first delivery writes DynamoDB, then cannot append (as if it crashed there).
      await expect(compareShadow(shadowMessage(), options, f.ports)).rejects.toThrow(EvidenceAppendError);
      expect(f.saved).toHaveLength(1);
      expect(f.appended).toEqual([]);
      expect(f.counts.get('EvidenceAppendFailures')).toBe(1);

      // Act: the message comes back.
      f.log.failing = false;
      const outcome = await compareShadow(shadowMessage(), options, f.ports);

      // Assert: no second candidate call, and the log has the stored record's line.
      expect(outcome).toBe('duplicate');
      expect(f.invoked).toEqual(['churn-v2']);
      expect(recordLinesOf(f.appended)).toEqual([
        expect.objectContaining({
          requestId: shadowMessage().requestId,
          candidateEndpoint: 'churn-v2',
          agree: true,
        }),
      ]);
    });

    it('a record kept only for outcome joins is logged without a candidate and not as sampled', async () => {
      const f = fakes({});
      await compareShadow(
        shadowMessage({ servedVariant: 'production', candidates: [], shadowSampled: false }),
        options,
        f.ports,
      );
      expect(recordLinesOf(f.appended)).toEqual([
        expect.objectContaining({ candidateEndpoint: null, shadowSampled: false, agree: null }),
      ]);
    });
  });
});
