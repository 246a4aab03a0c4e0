import { resolve, sep } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

export type RouterHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const LAMBDA_DIR = resolve(__dirname, '..', '..', 'lambda') + sep;
const ROUTER_MODULE = resolve(LAMBDA_DIR, 'handlers', 'router.ts');

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
export function loadRouterInstance(env: Readonly<Record<string, string>>): RouterHandler {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    for (const key of Object.keys(require.cache)) if (key.startsWith(LAMBDA_DIR)) delete require.cache[key];
    const module = require(ROUTER_MODULE) as { handler: RouterHandler };
    return module.handler;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
