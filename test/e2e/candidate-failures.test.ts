import { churnV1 } from '../../local/models/churn';
import { CHURN_EXAMPLE, predict, waitForComparison } from './api-client';
import { type LocalProcess, startLocalProcess } from './local-process';

const productionAnswer = churnV1.invoke({
  body: Buffer.from(JSON.stringify(CHURN_EXAMPLE)),
  contentType: 'application/json',
  accept: undefined,
}).body;

describe.each([
  ['fails every call', 'local/models.broken-candidate.json', 'model_error'],
  ['takes 5 s to answer', 'local/models.slow-candidate.json', 'timeout'],
])('a candidate that %s (%s)', (_, modelsFile, expectedCode) => {
  let local: LocalProcess;

  beforeAll(async () => {
    local = await startLocalProcess(['--models', modelsFile, '--batch-window', '0.1']);
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('changes nothing for the caller and is recorded as a candidate error', async () => {
    const response = await predict(local.url, CHURN_EXAMPLE);
    const requestId = response.headers.get('x-request-id') ?? '';
    const record = await waitForComparison(local.url, requestId, 30_000);

    expect(response.status).toBe(200);
    expect(response.text).toBe(productionAnswer);
    expect(response.headers.get('x-served-variant')).toBe('production');
    expect(response.headers.get('x-shadow')).toBe('sampled');
    expect(record.served).toMatchObject({ endpoint: 'churn-v1', status: 'ok', body: productionAnswer });
    expect(record.candidates).toEqual([
      {
        endpoint: 'churn-v2',
        result: expect.objectContaining({
          status: 'error',
          error: expect.objectContaining({ code: expectedCode }),
        }),
      },
    ]);
  });
});
