import type { ComparisonRecord } from '../core/comparison-record';

/**
 * The keys of the stage's tables, as the stack creates them (lib/constructs), local mode creates
 * them (local/emulators/dynamodb.ts) and the adapters address their items.
 */

/** One comparison record per request id; the key is the record's own field. */
export const COMPARISON_TABLE_KEY = 'requestId' satisfies keyof ComparisonRecord;

/** When DynamoDB's TTL removes a comparison record (epoch seconds). */
export const COMPARISON_EXPIRY_ATTRIBUTE = 'expiresAt' satisfies keyof ComparisonRecord;

/** The runtime config table holds a few named items (the routing document, the deployment record). */
export const RUNTIME_CONFIG_TABLE_KEY = 'id';

/**
 * The last completed analysis of each report request is kept in the comparison table under keys
 * with this prefix: a request id can never start with it (`#` is not allowed in request ids:
 * lambda/core/request-id.ts), and the report's role may touch only keys that do (IAM
 * `dynamodb:LeadingKeys`).
 */
export const ANALYSIS_KEY_PREFIX = 'analysis#';
