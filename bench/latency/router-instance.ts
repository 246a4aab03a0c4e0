import { resolve, sep } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { AfterResponse } from '../../lambda/after-response/registry';

export type RouterHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface RouterInstance {
  readonly handler: RouterHandler;
  /** This instance's own after-response registry (activate it to let the router answer first). */
  readonly afterResponse: AfterResponse;
}

const LAMBDA_DIR = resolve(__dirname, '..', '..', 'lambda') + sep;
const ROUTER_MODULE = resolve(LAMBDA_DIR, 'handlers', 'router.ts');
const AFTER_RESPONSE_MODULE = resolve(LAMBDA_DIR, 'after-response', 'registry.ts');
/** Loaded by path at run time (below), so the type check cannot see a move: a test checks they exist. */
export const ROUTER_INSTANCE_MODULES = [ROUTER_MODULE, AFTER_RESPONSE_MODULE] as const;

/**
 * A fresh instance of the real router handler, as a new Lambda execution environment would
 * build it: the lambda/ modules are dropped from the require cache and loaded again with
 * `env` in place, so module-scope settings, SDK clients, logger and metrics are all new.
 * node_modules stay cached: library code is shared, library state (clients, sockets) is not.
 *
 * Two instances in one process share the event loop with every other variant, which is what
 * makes interleaved measurements comparable. Variables the SDK reads lazily on its first call
 * (region, endpoints, credentials) must be set process-wide before the instance is used; only
 * `env` (read at module load) is restored afterwards.
 */
export function loadRouterInstance(env: Readonly<Record<string, string>>): RouterInstance {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    for (const key of Object.keys(require.cache)) if (key.startsWith(LAMBDA_DIR)) delete require.cache[key];
    const module = require(ROUTER_MODULE) as { handler: RouterHandler };
    const registry = require(AFTER_RESPONSE_MODULE) as { afterResponse: AfterResponse };
    return { handler: module.handler, afterResponse: registry.afterResponse };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
