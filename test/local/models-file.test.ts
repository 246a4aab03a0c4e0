import { join } from 'node:path';
import { loadModelsFile, ModelsFileError, parseModelsFile } from '../../local/model-server/models-file';

const local = (file: string) => join(__dirname, '../../local', file);

describe('models file', () => {
  it('ships a default with churn-v1 in production and churn-v2 as the candidate', () => {
    const models = loadModelsFile(local('models.json'));

    expect(models.production).toBe('churn-v1');
    expect(models.candidates).toEqual(['churn-v2']);
    expect(models.endpoints['churn-v1']).toMatchObject({ model: 'churn-v1', variant: 'AllTraffic' });
    expect(Object.keys(models.endpoints)).toEqual(
      expect.arrayContaining(['churn-v1', 'churn-v2', 'recommender-v1', 'recommender-v2']),
    );
  });

  it('ships a broken candidate (every call fails) and a slow one (5 s)', () => {
    const broken = loadModelsFile(local('models.broken-candidate.json'));
    const slow = loadModelsFile(local('models.slow-candidate.json'));

    expect(broken.endpoints['churn-v2']?.errorRate).toBe(1);
    expect(broken.endpoints['churn-v1']?.errorRate).toBe(0);
    expect(slow.endpoints['churn-v2']?.latencyMs).toBe(5000);
  });

  it('fills in defaults for what an endpoint leaves out', () => {
    const models = parseModelsFile({ production: 'p', endpoints: { p: { model: 'churn-v1' } } });

    expect(models.candidates).toEqual([]);
    expect(models.endpoints.p).toEqual({
      model: 'churn-v1',
      variant: 'AllTraffic',
      latencyMs: 20,
      jitterMs: 0,
      errorRate: 0,
      errorType: 'ModelError',
      throttleRate: 0,
      containerTimeoutMs: 60_000,
    });
  });

  it('reports every problem at once', () => {
    const parse = () =>
      parseModelsFile({
        production: 'missing',
        candidates: ['also-missing'],
        endpoints: { ok: { model: 'no-such-model', errorRate: 2, errorType: 'Oops' } },
      });

    expect(parse).toThrow(ModelsFileError);
    expect(parse).toThrow(/production[\s\S]*candidates[\s\S]*/);
    try {
      parse();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('endpoints.ok.model');
      expect(message).toContain('endpoints.ok.errorRate');
      expect(message).toContain('endpoints.ok.errorType');
      expect(message).toContain('"production"');
      expect(message).toContain('"candidates"');
    }
  });

  it('names the file it cannot read', () => {
    expect(() => loadModelsFile('/no/such/models.json')).toThrow(/\/no\/such\/models\.json/);
  });
});
