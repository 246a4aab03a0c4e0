import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { ShadowMessage } from '../../lambda/core/shadow-message';

export function shadowMessage(overrides: Partial<ShadowMessage> = {}): ShadowMessage {
  return {
    v: 2,
    requestId: 'req-1',
    receivedAt: '2026-11-22T10:00:00.000Z',
    userKey: 'a'.repeat(32),
    servedVariant: 'production',
    request: { contentType: 'application/json', accept: '', body: '{"tenure_months":4}', encoding: 'utf8' },
    served: {
      endpoint: 'churn-v1',
      latencyMs: 12,
      status: 'ok',
      contentType: 'application/json',
      body: '{"label":"churn","probability":0.8}',
      encoding: 'utf8',
    },
    candidates: ['churn-v2'],
    ...overrides,
  };
}

export function sqsRecord(body: string, messageId: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1763805600000',
      SenderId: 'router',
      ApproximateFirstReceiveTimestamp: '1763805600001',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:shadow',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export const WORKER_ENV = {
  TABLE_NAME: 'comparisons',
  COMPARATOR: JSON.stringify({
    type: 'classification',
    labelPath: 'label',
    scorePath: 'probability',
    maxScoreDelta: 0.1,
  }),
  CAPTURE_INPUT: 'true',
  RECORD_TTL_DAYS: '7',
  CANDIDATE_TIMEOUT_MS: '500',
  CANDIDATE_MAX_ATTEMPTS: '1',
  POWERTOOLS_SERVICE_NAME: 'shadow-rollout-test',
  // Each test file (its own module registry) appends to its own log.
  EVIDENCE_LOG_DIR: mkdtempSync(join(tmpdir(), 'shadow-rollout-evidence-')),
};
