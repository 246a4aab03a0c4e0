/**
 * The API's routes, as the stack's API Gateway resources define them. `handler` names a module
 * in lambda/handlers/ exporting `handler`; adding a route is one line here.
 */
export const routes: readonly RouteDefinition[] = [
  { method: 'POST', resource: '/predict', handler: 'router' },
  { method: 'GET', resource: '/comparisons/{requestId}', handler: 'get-comparison' },
  { method: 'POST', resource: '/outcomes', handler: 'outcomes' },
  { method: 'GET', resource: '/report', handler: 'report' },
];

export interface RouteDefinition {
  readonly method: string;
  /** API Gateway resource path; `{name}` segments become path parameters. */
  readonly resource: string;
  readonly handler: string;
}

export type RouteMatch =
  | {
      readonly kind: 'found';
      readonly route: RouteDefinition;
      readonly pathParameters: Record<string, string>;
    }
  | { readonly kind: 'wrong-method'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

/** Finds the route for a method and path; path parameters match one whole segment. */
export function matchRoute(table: readonly RouteDefinition[], method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of table) {
    const pathParameters = matchResource(route.resource, path);
    if (!pathParameters) continue;
    if (route.method === method) return { kind: 'found', route, pathParameters };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'not-found' };
}

function matchResource(resource: string, path: string): Record<string, string> | undefined {
  const expected = resource.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const parameters: Record<string, string> = {};
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] ?? '';
    const got = actual[i] ?? '';
    const parameter = /^\{(\w+)\}$/.exec(want)?.[1];
    if (parameter) {
      if (got === '') return undefined;
      try {
        parameters[parameter] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    } else if (want !== got) {
      return undefined;
    }
  }
  return parameters;
}
