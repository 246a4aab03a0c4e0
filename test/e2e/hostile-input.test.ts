import { CHURN_EXAMPLE, expectErrorShape, predict, waitForComparison } from './api-client';
import { type LocalProcess, startLocalProcess } from './local-process';

const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
const query = NAMES.map((name, i) => `${name}=${i}`).join('&');
const headers = Object.fromEntries(NAMES.map((name) => [name, 'x']));

/** Hostile input against the real handlers behind the local gateway: a prompt 4xx or an answer, never a 5xx. */
describe('local mode under hostile input', () => {
  let local: LocalProcess;

  beforeAll(async () => {
    local = await startLocalProcess(['--models', 'test/e2e/models.healthy.json']);
  });
  afterAll(async () => {
    await local?.stop();
  });

  it.each([
    ['POST', '/predict', JSON.stringify(CHURN_EXAMPLE), 200],
    ['GET', '/comparisons/unknown-id', undefined, 404],
    ['POST', '/outcomes', JSON.stringify({ requestId: 'hostile-outcome', converted: true }), 202],
    ['GET', '/report', undefined, 200],
  ])(
    '%s %s with query and header names like constructor and __proto__ answers as usual',
    async (method, path, body, status) => {
      const response = await fetch(`${local.url}${path}?${query}`, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body }),
      });

      expect(response.status).toBe(status);
    },
  );

  it.each(['.', '..'])('refuses the request id %j with a 400 (it could never be read back)', async (id) => {
    const response = await predict(local.url, CHURN_EXAMPLE, { 'X-Request-Id': id });

    expect(expectErrorShape(response, 400).code).toBe('invalid_request_id');
  });

  it.each(['...', '.hidden', 'a..b', '-_.'])(
    'stores the request id %j where GET /comparisons/{id} finds it',
    async (id) => {
      const response = await predict(local.url, CHURN_EXAMPLE, { 'X-Request-Id': id });

      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe(id);
      expect((await waitForComparison(local.url, id)).requestId).toBe(id);
    },
  );
});
