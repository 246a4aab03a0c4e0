import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { stages } from '../../lib/config/stages';
import { captureOutput } from '../support/captured-output';

// Every downstream is mocked to fail loudly: a bad request must never reach any of them.
const modelMock = mockClient(SageMakerRuntimeClient);
const sqsMock = mockClient(SQSClient);
const dbMock = mockClient(DynamoDBDocumentClient);
type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

let router: ApiHandler;
let outcomes: ApiHandler;
let read: ApiHandler;
let reportRoute: ApiHandler;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  Object.assign(process.env, {
    PRODUCTION_ENDPOINT: 'churn-v1',
    CANDIDATE_ENDPOINTS: 'churn-v2',
    SHADOW_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/shadow',
    SHADOW_SAMPLE_RATE: '1',
    USER_KEY_SALT: 'salt',
    MAX_PAYLOAD_BYTES: '65536',
    TABLE_NAME: 'comparisons',
    EVIDENCE_LOG_DIR: mkdtempSync(join(tmpdir(), 'shadow-rollout-evidence-')),
    GUARDRAILS: JSON.stringify(stages.dev.guardrails),
    POWERTOOLS_SERVICE_NAME: 'shadow-rollout-fuzz',
  });
  ({ handler: router } = await import('../../lambda/handlers/router'));
  ({ handler: outcomes } = await import('../../lambda/handlers/outcomes'));
  ({ handler: read } = await import('../../lambda/handlers/get-comparison'));
  ({ handler: reportRoute } = await import('../../lambda/handlers/report'));
});
beforeEach(() => {
  const mustNotBeCalled = new Error('must not be called');
  modelMock.reset().onAnyCommand().rejects(mustNotBeCalled);
  sqsMock.reset().onAnyCommand().rejects(mustNotBeCalled);
  dbMock.reset().onAnyCommand().rejects(mustNotBeCalled);
  output = captureOutput();
});
afterEach(() => output.restore());

const odd = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '../../etc/passwd',
    '%00',
    'a'.repeat(300),
    '🙂'.repeat(70),
    'null',
    '{}',
    '<x/>',
  ),
);

function expectClientError(response: APIGatewayProxyResult): void {
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  const body = JSON.parse(response.body);
  expect(body).toEqual({
    error: { code: expect.any(String), message: expect.any(String), requestId: body.error.requestId },
  });
  // null when the caller's own id was the problem (or absent, on routes without one).
  expect(body.error.requestId === null || typeof body.error.requestId === 'string').toBe(true);
}

function expectNothingForwarded(): void {
  expect(modelMock.calls()).toHaveLength(0);
  expect(sqsMock.calls()).toHaveLength(0);
}

describe('bad input on every route: a 4xx JSON error, never a 5xx, never forwarded', () => {
  it('POST /predict with malformed JSON bodies', async () => {
    const notJson = fc.string().filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(notJson, async (body) => {
        const response = await router(
          { headers: { 'content-type': 'application/json' }, body, isBase64Encoded: false } as never,
          {} as Context,
        );
        expectClientError(response);
        expectNothingForwarded();
      }),
      { numRuns: 200 },
    );
  });

  it('POST /predict with odd headers, ids and content types', async () => {
    const badId = odd.filter((s) => !/^[A-Za-z0-9._-]{1,128}$/.test(s));
    const badType = odd.filter(
      (s) => !/json|csv|text|npy|protobuf|octet|jpeg|png/i.test(s) && s.trim() !== '',
    );
    const badUser = fc.oneof(fc.string({ minLength: 257 }), fc.constantFrom('a\nb', '\u0000', 'x\u007f'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badId.map((id) => ({ 'X-Request-Id': id, 'content-type': 'application/json' })),
          badType.map((type) => ({ 'Content-Type': type })),
          badUser.map((user) => ({ 'x-user-id': user, 'content-type': 'application/json' })),
        ),
        async (headers) => {
          const response = await router(
            { headers, body: '{"tenure_months":1}', isBase64Encoded: false } as never,
            {} as Context,
          );
          expectClientError(response);
          expectNothingForwarded();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('POST /predict with huge and empty bodies', async () => {
    for (const body of ['', null, `"${'x'.repeat(70_000)}"`, Buffer.alloc(70_000).toString('base64')]) {
      const response = await router(
        { headers: {}, body, isBase64Encoded: body?.startsWith('AAAA') ?? false } as never,
        {} as Context,
      );
      expectClientError(response);
      expect([400, 413]).toContain(response.statusCode);
    }
    expectNothingForwarded();
  });

  it('POST /outcomes with anything that is not a valid outcome', async () => {
    const invalid = fc
      .oneof(
        fc.string(),
        fc.json(),
        fc.record({ requestId: odd, converted: fc.anything() }),
        fc.record({
          requestId: fc.constant('ok-id'),
          value: fc.oneof(fc.string(), fc.constant(null), fc.boolean()),
        }),
        fc.record({ requestId: fc.constant('ok-id') }),
      )
      .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    await fc.assert(
      fc.asyncProperty(invalid, async (body) => {
        const response = await outcomes({ body, isBase64Encoded: false } as never, {} as Context);
        // A rare generated value can be a valid outcome; it then reaches the (failing) table.
        if (response.statusCode === 500) {
          const parsed = JSON.parse(body);
          expect(parsed.requestId).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
          return;
        }
        expectClientError(response);
      }),
      { numRuns: 300 },
    );
    const huge = await outcomes(
      {
        body: JSON.stringify({ requestId: 'r', label: 'x'.repeat(20_000) }),
        isBase64Encoded: false,
      } as never,
      {} as Context,
    );
    expect(huge.statusCode).toBe(413);
  });

  it('GET /report with invalid windows and candidate names', async () => {
    const badHours = fc.oneof(
      fc.string().filter((h) => !(Number(h) > 0 && Number(h) <= 744)),
      fc.constantFrom('0', '-1', '745', 'NaN', 'Infinity', '1e9', ''),
    );
    const badCandidate = odd.filter((c) => !/^[a-zA-Z0-9-]{1,63}$/.test(c));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badHours.map((hours) => ({ hours })),
          badCandidate.map((candidate) => ({ candidate })),
        ),
        async (queryStringParameters) => {
          const response = await reportRoute({ queryStringParameters } as never, {} as Context);
          expectClientError(response);
          expect(dbMock.calls()).toHaveLength(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('GET /comparisons/{requestId} with invalid ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        odd.filter((s) => !/^[A-Za-z0-9._-]{1,128}$/.test(s)),
        async (requestId) => {
          const response = await read({ pathParameters: { requestId } } as never, {} as Context);
          expect(response.statusCode).toBe(400);
          expect(JSON.parse(response.body).error.code).toBe('invalid_request_id');
          expect(dbMock.calls()).toHaveLength(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
