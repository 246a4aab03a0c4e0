import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, jsonResponse } from '../../lambda/core/http';
import { InvalidRolloutPlanError, parsePlan } from '../../lambda/core/rollout/plan';
import type { HoldAction } from '../../lambda/core/rollout/transitions';
import { InvalidConfigChangeError } from '../../lambda/core/runtime-config';
import {
  holdRollout,
  PromotionRefusedError,
  promoteCandidate,
  rolloutStatus,
  startRollout,
} from '../../lambda/use-cases/rollout/manage-rollout';
import type { RouteDefinition } from '../api-server/routes';
import type { ProxyHandler, RouteTarget } from '../api-server/server';
import type { LocalFunction } from '../lambda-runtime';
import type { LocalRollout } from './local-rollout';

/**
 * Local-mode routes for the rollout commands (against AWS the CLI runs the same use cases with
 * your credentials): `GET /local/rollout` (status), `POST /local/rollout/start`,
 * `POST /local/rollout/{pause|resume|abort}` and `POST /local/promote`.
 */
export const rolloutRoutes: readonly RouteDefinition[] = [
  { method: 'GET', resource: '/local/rollout', handler: 'local-rollout-status' },
  { method: 'POST', resource: '/local/rollout/start', handler: 'local-rollout-start' },
  { method: 'POST', resource: '/local/rollout/{action}', handler: 'local-rollout-hold' },
  { method: 'POST', resource: '/local/promote', handler: 'local-promote' },
];

const HOLD_ACTIONS: readonly HoldAction[] = ['pause', 'resume', 'abort'];
const MAX_TEXT = 500;

class BadBody extends Error {}

function body(event: APIGatewayProxyEvent): Record<string, unknown> {
  if (!event.body) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.body);
  } catch {
    throw new BadBody('the body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadBody('the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function text(value: unknown, name: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TEXT)
    throw new BadBody(`${name} must be a non-empty string of at most ${MAX_TEXT} characters`);
  return value;
}

function actor(fields: Record<string, unknown>, fallbackReason: string) {
  const by = text(fields.by, 'by', 'local API');
  return { by, reason: text(fields.reason, 'reason', `${fallbackReason} by ${by}`) };
}

/** Refusals are 409 (the state forbids it), bad plans and bodies 400; nothing else leaks. */
async function answer(work: () => Promise<unknown>): Promise<APIGatewayProxyResult> {
  try {
    return jsonResponse(200, await work());
  } catch (error) {
    if (error instanceof BadBody) return errorResponse(400, 'invalid_request', error.message, null);
    if (error instanceof InvalidRolloutPlanError)
      return errorResponse(400, 'invalid_plan', error.message, null);
    if (error instanceof PromotionRefusedError)
      return errorResponse(409, 'promotion_refused', error.message, null);
    if (error instanceof InvalidConfigChangeError) return errorResponse(409, 'refused', error.message, null);
    return errorResponse(
      500,
      'internal_error',
      `Internal error (${(error as Error)?.name ?? 'unknown'})`,
      null,
    );
  }
}

export function rolloutTargets(
  rollout: LocalRollout,
  fn: (name: string) => LocalFunction,
): Record<string, RouteTarget> {
  const { ports, settings } = rollout;
  const status: ProxyHandler = () => answer(() => rolloutStatus(ports, settings));
  const start: ProxyHandler = (event) =>
    answer(async () => {
      const fields = body(event);
      const plan =
        fields.plan === undefined
          ? rollout.defaultPlan
          : {
              plan: parsePlan(fields.plan, 'plan'),
              source: text(fields.planSource, 'planSource', 'plan from the request'),
            };
      return startRollout(ports, settings, plan, actor(fields, 'rollout started'));
    });
  const hold: ProxyHandler = (event) =>
    answer(async () => {
      const action = event.pathParameters?.action as HoldAction;
      if (!HOLD_ACTIONS.includes(action))
        throw new BadBody(`unknown rollout action; expected ${HOLD_ACTIONS.join(', ')}`);
      return holdRollout(ports, settings, action, actor(body(event), `rollout ${action}d`));
    });
  const promote: ProxyHandler = (event) =>
    answer(async () => {
      const fields = body(event);
      if (fields.force !== undefined && typeof fields.force !== 'boolean')
        throw new BadBody('force must be true or false');
      const endpoint = fields.endpoint === undefined ? undefined : text(fields.endpoint, 'endpoint', '');
      const who = actor(fields, 'promoted');
      return promoteCandidate(ports, settings, {
        ...who,
        reason: fields.force === true ? text(fields.reason, 'reason', '') : who.reason,
        force: fields.force === true,
        ...(endpoint === undefined ? {} : { endpoint }),
      });
    });
  return {
    'local-rollout-status': { function: fn('rollout-status'), handler: status },
    'local-rollout-start': { function: fn('rollout-start'), handler: start },
    'local-rollout-hold': { function: fn('rollout-hold'), handler: hold },
    'local-promote': { function: fn('promote'), handler: promote },
  };
}
