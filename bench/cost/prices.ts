/**
 * AWS list prices used by `npm run cost`: US East (N. Virginia), on-demand, no free tier, no
 * Savings Plans, first volume tier. Compiled on PRICE_DATE from the pages linked per price (not
 * fetched at run time): check them before budgeting, prices and tiers change.
 */
export const PRICE_REGION = 'us-east-1';
export const PRICE_DATE = '2026-11-22';

export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

export const PRICES = {
  apiGatewayRestRequest: {
    usd: 3.5 / 1e6,
    per: 'REST API request (first 333 M/month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'Lambda request', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'GB-second, arm64 (first 7.5 B GB-s/month)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  sqsStandardRequest: {
    usd: 0.4 / 1e6,
    per: 'SQS standard request (each 64 KB chunk of a payload is one request)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  dynamoWriteRequestUnit: {
    usd: 0.625 / 1e6,
    per: 'DynamoDB on-demand write request unit (1 KB)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoReadRequestUnit: {
    usd: 0.125 / 1e6,
    per: 'DynamoDB on-demand read request unit (4 KB strongly consistent)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoStorageGbMonth: {
    usd: 0.25,
    per: 'GB-month, DynamoDB Standard table class',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoPitrGbMonth: {
    usd: 0.2,
    per: 'GB-month of continuous backup (PITR)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  cloudWatchLogsIngestGb: {
    usd: 0.5,
    per: 'GB of CloudWatch Logs ingested (standard class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  xrayTraceRecorded: {
    usd: 5 / 1e6,
    per: 'X-Ray trace recorded',
    source: 'https://aws.amazon.com/xray/pricing/',
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;
