import { churnV1 } from '../../local/models/churn';
import { CHURN_EXAMPLE, expectErrorShape, getComparison, predict, waitForComparison } from './api-client';
import { type LocalProcess, startLocalProcess } from './local-process';

/** What the production model (churn-v1) answers for this input, computed without the system. */
function productionAnswer(input: unknown): string {
  return churnV1.invoke({
    body: Buffer.from(JSON.stringify(input)),
    contentType: 'application/json',
    accept: undefined,
  }).body;
}

describe('local mode end to end (npm start, default models), through HTTP only', () => {
  let local: LocalProcess;

  beforeAll(async () => {
    local = await startLocalProcess(['--batch-window', '0.1']);
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('answers POST /predict with the production model and tells the caller what happened', async () => {
    const response = await predict(local.url, CHURN_EXAMPLE);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.text).toBe(productionAnswer(CHURN_EXAMPLE));
    expect(response.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(response.headers.get('x-served-variant')).toBe('production');
    expect(response.headers.get('x-shadow')).toBe('sampled');
  });

  it('stores a comparison of production and candidate for a sampled request', async () => {
    const response = await predict(local.url, CHURN_EXAMPLE);
    const requestId = response.headers.get('x-request-id') ?? '';

    const record = await waitForComparison(local.url, requestId);

    expect(record.requestId).toBe(requestId);
    expect(record.servedVariant).toBe('production');
    expect(record.served).toMatchObject({ endpoint: 'churn-v1', status: 'ok', body: response.text });
    expect(record.candidates).toHaveLength(1);
    expect(record.candidates[0]).toMatchObject({
      endpoint: 'churn-v2',
      result: { endpoint: 'churn-v2', status: 'ok' },
      comparison: { comparator: 'classification', agree: expect.any(Boolean) },
    });
  });

  it('keys everything by the caller’s X-Request-Id and never stores the raw user id', async () => {
    const requestId = `e2e-${Date.now()}`;

    const response = await predict(local.url, CHURN_EXAMPLE, {
      'X-Request-Id': requestId,
      'X-User-Id': 'alice@example.com',
    });
    const record = await waitForComparison(local.url, requestId);

    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(record.requestId).toBe(requestId);
    expect(JSON.stringify(record)).not.toContain('alice@example.com');
  });

  it('joins a posted outcome to the record and reports a verdict over the window', async () => {
    const response = await predict(local.url, CHURN_EXAMPLE);
    const requestId = response.headers.get('x-request-id') ?? '';
    await waitForComparison(local.url, requestId);

    const posted = await fetch(`${local.url}/outcomes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ requestId, converted: true }),
    });
    const record = await waitForComparison(local.url, requestId);
    const report = await fetch(`${local.url}/report`);

    expect(posted.status).toBe(202);
    expect(record.outcome).toMatchObject({ converted: true });
    expect(report.status).toBe(200);
    expect(((await report.json()) as { verdict: { decision: string } }).verdict.decision).toMatch(
      /^(PROMOTE|CONTINUE|REJECT)$/,
    );
  });

  it('rejects bad requests with a 4xx in the JSON error shape', async () => {
    const badRequestId = await predict(local.url, CHURN_EXAMPLE, { 'X-Request-Id': 'not valid!' });
    const overModelLimit = await predict(local.url, `{"padding": "${'x'.repeat(5_100_000)}"}`);
    const overApiLimit = await predict(local.url, `{"padding": "${'x'.repeat(10 * 1024 * 1024)}"}`);
    const unknownComparison = await getComparison(local.url, 'no-such-request');
    const unknownRoute = await fetch(`${local.url}/nope`);
    const wrongMethod = await fetch(`${local.url}/predict`);

    expectErrorShape(badRequestId, 400);
    expectErrorShape(overModelLimit, 413);
    expectErrorShape(overApiLimit, 413);
    expectErrorShape(unknownComparison, 404);
    expectErrorShape(
      { status: unknownRoute.status, headers: unknownRoute.headers, text: await unknownRoute.text() },
      404,
    );
    expectErrorShape(
      { status: wrongMethod.status, headers: wrongMethod.headers, text: await wrongMethod.text() },
      405,
    );
  });

  it('stops cleanly on SIGTERM', async () => {
    const exitCode = await local.stop();

    expect(exitCode).toBe(0);
    expect(local.output()).toContain('SIGTERM: stopping');
  });
});
