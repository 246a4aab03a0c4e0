/**
 * How every deployed function is bundled: the one source of esbuild options for the stack
 * (service-function.ts maps them onto NodejsFunction), the bundle benchmark and the bundling
 * tests. Kept free of aws-cdk-lib so the benchmark and tests bundle exactly as the stack does
 * without loading the CDK.
 */
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

export type HandlerName =
  | 'router'
  | 'worker'
  | 'get-comparison'
  | 'outcomes'
  | 'report'
  | 'rollback'
  | 'rollout-controller';

export const HANDLER_NAMES: readonly HandlerName[] = [
  'router',
  'worker',
  'get-comparison',
  'outcomes',
  'report',
  'rollback',
  'rollout-controller',
];

const LAMBDA_DIR = path.join(__dirname, '..', '..', 'lambda');

/** Entry file of a Lambda handler in `lambda/handlers/`. */
export const handlerEntry = (name: HandlerName): string => path.join(LAMBDA_DIR, 'handlers', `${name}.ts`);

/**
 * The router's deployed entry: an ES module whose init awaits the after-response extension's
 * registration (top-level await), around the same handler as lambda/handlers/router.ts.
 */
export const ROUTER_ESM_ENTRY = path.join(LAMBDA_DIR, 'after-response', 'router-entry.ts');

/** The file each deployed function is bundled from. */
export const deployedEntry = (name: HandlerName): string =>
  name === 'router' ? ROUTER_ESM_ENTRY : handlerEntry(name);

/** `module` first lets esbuild tree-shake the ES module builds of the SDK and Powertools. */
export const ESM_MAIN_FIELDS = ['module', 'main'] as const;

/**
 * A CommonJS dependency bundled into an ES module still calls `require` for Node built-ins, which
 * ES modules lack; the banner Powertools documents for ESM defines one. The deployed bundles
 * carry no CommonJS dependency today (the last one, mnemonist under DynamoDB's endpoint cache,
 * is replaced by a stand-in), so this is insurance: without it such a dependency would fail at
 * run time, not at build time.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * SDK modules replaced in deployed bundles by code that does only what a Lambda function uses
 * (lambda/entries/sdk-stand-ins/ says why for each). Local mode, the CLI and tests keep the real ones.
 */
export const SDK_STAND_INS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(
    LAMBDA_DIR,
    'entries',
    'sdk-stand-ins',
    'credential-provider-node.ts',
  ),
  '@smithy/core/event-streams': path.join(LAMBDA_DIR, 'entries', 'sdk-stand-ins', 'event-streams.ts'),
  '@aws-sdk/endpoint-cache': path.join(LAMBDA_DIR, 'entries', 'sdk-stand-ins', 'endpoint-cache.ts'),
};

/**
 * esbuild options of every deployed function: an ES module for Node 24, minified, with a source
 * map without sources (names and positions are what stack traces need; a smaller map loads faster
 * at cold start), and no externals, so the AWS SDK runs the versions pinned in package-lock.json
 * instead of whatever the runtime ships that week.
 */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: [...ESM_MAIN_FIELDS],
  banner: { js: ESM_REQUIRE_BANNER },
  alias: { ...SDK_STAND_INS },
  // Local mode's analysis engine (DuckDB, a native module): imported only when the evidence log
  // is a local folder, never on AWS, so it stays out of every bundle.
  external: ['@duckdb/node-api'],
} satisfies BuildOptions;
