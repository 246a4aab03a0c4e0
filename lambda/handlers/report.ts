import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { dynamoDbClient } from '../adapters/clients';
import { runtimeConfigExperiments } from '../adapters/experiment-catalog';
import { RuntimeConfigStore } from '../adapters/runtime-config-store';
import { analysisEngine, analysisSettings, reportSettings } from '../composition/analysis';
import { analysisCache } from '../composition/analysis-cache';
import { functionObservability } from '../composition/lifecycle';
import { rolloutReportSettings } from '../configuration/function-settings';
import { jsonResponse } from '../core/http';
import { parseReportRequest } from '../core/report-request';
import type { AnalysisEngine } from '../use-cases/ports/evidence';
import { type ReportAnswer, reportFor } from '../use-cases/report-for';

const { guardrails, deployTime, runtimeConfigTable } = rolloutReportSettings(process.env);
const settings = reportSettings();
const analysis = analysisSettings(process.env);
const lifecycle = functionObservability('report');
const { logger } = lifecycle;
const configStore =
  runtimeConfigTable === undefined ? undefined : new RuntimeConfigStore(dynamoDbClient(), runtimeConfigTable);
const experiments = runtimeConfigExperiments(async () => configStore?.read(), deployTime);
// A cache that fails is logged and read as empty: a report never fails on it.
const cache = analysisCache(process.env, (operation, error) =>
  logger.warn('kept analysis unavailable', { operation, error: (error as Error).name ?? String(error) }),
);
let engine: Promise<AnalysisEngine> | undefined;

/**
 * `GET /report?experiment=&since=&candidate=&hours=`: the evidence and verdict of the experiment
 * in force since its start (or the one asked for). Answers within the API's limit at any volume:
 * 200 with the report; past the deadline, 200 with the last completed report and its age; with
 * none yet, 202 and where to ask again (the analysis keeps running).
 */
export const handler = lifecycle.apiHandler(async (event) => {
  const request = parseReportRequest(event.queryStringParameters ?? {});
  engine ??= analysisEngine(analysis);
  const answer = await reportFor(
    request,
    { engine: await engine, experiments, cache, guardrails, now: () => new Date() },
    settings,
  );
  return respond(answer, event);
});

function respond(answer: ReportAnswer, event: APIGatewayProxyEvent): APIGatewayProxyResult {
  switch (answer.status) {
    case 'complete':
      return jsonResponse(200, { ...answer.report, analysis: { status: 'complete' } });
    case 'stale':
      logger.info('report answered from the last completed analysis', { ageSeconds: answer.ageSeconds });
      return jsonResponse(
        200,
        {
          ...answer.report,
          analysis: { status: 'stale', completedAt: answer.completedAt, ageSeconds: answer.ageSeconds },
        },
        { Age: String(answer.ageSeconds) },
      );
    case 'pending': {
      const query = new URLSearchParams(
        Object.entries(event.queryStringParameters ?? {}).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      ).toString();
      return jsonResponse(
        202,
        {
          analysis: { status: 'pending', retryAfterSeconds: answer.retryAfterSeconds },
          poll: `${event.path || '/report'}${query ? `?${query}` : ''}`,
        },
        { 'Retry-After': String(answer.retryAfterSeconds) },
      );
    }
  }
}
