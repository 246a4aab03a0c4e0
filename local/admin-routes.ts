import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Guardrails } from '../lambda/core/guardrails';
import type { RoutingKnobs } from '../lambda/core/runtime-config';
import {
  canaryGuardrailAlarmNames,
  resolveCanaryGuardrailAlarm,
} from '../lib/monitoring/canary-guardrail-alarms';
import type { RouteDefinition } from './api-server/routes';
import type { ProxyHandler, RouteTarget } from './api-server/server';
import type { LocalFunction } from './lambda-runtime';
import { LOCAL_ACCOUNT_ID } from './local-aws';

/**
 * Routes that exist only in local mode, for what operators do on AWS with their own tools:
 * `GET /local/info` tells the CLI where the runtime config lives (it then uses the same store
 * code as against AWS, with the local endpoint), and `POST /local/alarms/{alarmName}` plays
 * CloudWatch: it invokes the rollback Lambda with the event an alarm action sends.
 */
export const adminRoutes: readonly RouteDefinition[] = [
  { method: 'GET', resource: '/local/info', handler: 'local-info' },
  { method: 'POST', resource: '/local/alarms/{alarmName}', handler: 'local-alarm' },
];

/** Local mode's alarm names as a stage's (`shadow-rollout-<stage>`): the service name it runs as. */
export const LOCAL_ALARM_PREFIX = 'shadow-rollout-local';

export interface LocalInfo {
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly comparisonTable: string;
  readonly runtimeConfigTable: string;
  readonly deployTime: RoutingKnobs;
  readonly allowedEndpoints: readonly string[];
  readonly guardrails: Guardrails;
}

type RollbackHandler = (event: unknown, context: import('aws-lambda').Context) => Promise<unknown>;

export function adminTargets(
  info: LocalInfo,
  rollback: RollbackHandler,
  fn: (name: string) => LocalFunction,
): Record<string, RouteTarget> {
  const json = (statusCode: number, body: unknown) => ({
    statusCode,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const infoHandler: ProxyHandler = async () => json(200, info);
  const alarmHandler: ProxyHandler = async (event: APIGatewayProxyEvent, context) => {
    const typed = event.pathParameters?.alarmName ?? '';
    // Only the alarms that roll a canary back act on anything; others merely notify on AWS.
    const alarmName = resolveCanaryGuardrailAlarm(LOCAL_ALARM_PREFIX, typed);
    if (alarmName === undefined) {
      return json(404, {
        error: {
          code: 'unknown_alarm',
          message: `unknown alarm "${typed.slice(0, 100)}": local mode plays the alarms that roll a canary back: ${canaryGuardrailAlarmNames(LOCAL_ALARM_PREFIX).join(', ')}`,
          requestId: null,
        },
      });
    }
    let reason = 'simulated alarm (local mode)';
    try {
      const body = event.body ? (JSON.parse(event.body) as { reason?: unknown }) : {};
      if (typeof body.reason === 'string') reason = body.reason.slice(0, 200);
    } catch {
      return json(400, {
        error: { code: 'invalid_json', message: 'The body must be JSON', requestId: null },
      });
    }
    const now = new Date().toISOString();
    const result = await rollback(
      {
        source: 'aws.cloudwatch',
        alarmArn: `arn:aws:cloudwatch:${info.region}:${LOCAL_ACCOUNT_ID}:alarm:${alarmName}`,
        time: now,
        region: info.region,
        alarmData: { alarmName, state: { value: 'ALARM', reason, timestamp: now } },
      },
      context,
    );
    return json(200, result);
  };
  return {
    'local-info': { function: fn('local-info'), handler: infoHandler },
    'local-alarm': { function: fn('rollback'), handler: alarmHandler },
  };
}
