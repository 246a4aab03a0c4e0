import { captureOutput } from '../support/captured-output';
import { lambdaContext, predictEvent } from '../support/proxy-events';
import { routerOnEmulators } from '../support/router-on-emulators';

// A stage that declares its input contract: the router checks it before calling any model.
const CONTRACT = {
  type: 'object',
  required: ['tenure_months'],
  additionalProperties: false,
  properties: {
    tenure_months: { type: 'number', minimum: 0 },
    monthly_charges: { type: 'number', minimum: 0 },
    support_calls: { type: 'integer', minimum: 0 },
  },
};

const router = routerOnEmulators({ INPUT_SCHEMA: JSON.stringify(CONTRACT) });
let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

const predict = (body: string, contentType = 'application/json') =>
  router().handler(
    predictEvent(body, { 'Content-Type': contentType, 'X-Request-Id': 'contract-1' }),
    lambdaContext('router'),
  );
describe('router with an input contract: 400 before any model is called, nothing counted against one', () => {
  it.each([
    ['[1,2,3]', '$ must be object, got array'],
    ['"hello"', '$ must be object, got string "hello"'],
    ['null', '$ must be object, got null'],
    ['{"tenure_months":"four"}', '$.tenure_months must be number, got string "four"'],
    ['{"monthly_charges":10}', '$ must have property "tenure_months"'],
    ['{"tenure_months":4,"age":30}', '$ must not have property "age"'],
  ])('%s', async (body, violation) => {
    const calls = router().models.invocations('churn-v1') + router().models.invocations('churn-v2');
    const depth = router().sqs.depth(router().sqs.queue.name);

    const response = await predict(body);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'invalid_input',
        message: `The request does not match this API's input contract: ${violation}`,
        requestId: 'contract-1',
      },
    });
    expect(router().models.invocations('churn-v1') + router().models.invocations('churn-v2')).toBe(calls);
    expect(router().sqs.depth(router().sqs.queue.name)).toBe(depth);
    expect(output.metric('RejectedRequests')).toBe(1);
    for (const metric of ['PredictRequests', 'ProductionErrors', 'ProductionLatency', 'ShadowSampled'])
      expect(output.text()).not.toContain(`"${metric}"`);
  });

  it('refuses a non-JSON content type with 415: the contract is JSON', async () => {
    const response = await predict('tenure=4', 'text/plain');
    expect(response.statusCode).toBe(415);
    expect(JSON.parse(response.body).error.message).toContain('input contract is JSON');
  });

  it('passes a body that meets the contract to the model unchanged', async () => {
    const response = await predict('{"tenure_months":4,"support_calls":3}');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ label: expect.any(String) });
  });
});
