/**
 * What an ES module bundle needs on top of the service's defaults. Kept free of aws-cdk-lib so
 * the benchmark can bundle exactly as the stack does without loading the CDK.
 *
 * CommonJS dependencies bundled into an ES module (the X-Ray SDK under Powertools' Tracer) still
 * call `require` for Node built-ins, which ES modules do not have, so the bundle defines one (the
 * banner Powertools documents for ESM). `module` first lets esbuild tree-shake the SDK's ES builds.
 */
export const ESM_MAIN_FIELDS = ['module', 'main'] as const;
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
