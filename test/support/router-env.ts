/** The router's environment in handler tests: one production and one candidate endpoint, everything sampled. */
export const ROUTER_TEST_ENV = {
  PRODUCTION_ENDPOINT: 'churn-v1',
  CANDIDATE_ENDPOINTS: 'churn-v2',
  SHADOW_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/shadow',
  SHADOW_SAMPLE_RATE: '1',
  CANARY_PERCENT: '0',
  USER_KEY_SALT: 'test-salt',
  MODEL_TIMEOUT_MS: '200',
  MODEL_MAX_ATTEMPTS: '1',
  DISPATCH_BUDGET_MS: '50',
  POWERTOOLS_SERVICE_NAME: 'shadow-rollout-test',
} as const;
