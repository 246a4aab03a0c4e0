import { BadRequestError } from './errors';
import { isExperimentId } from './experiment';

/** What a caller may ask a report for (`GET /report`, `shadow-rollout report`). */
export interface ReportRequest {
  /** An experiment id (`v7`, `d…`); @default the experiment in force */
  readonly experiment?: string;
  /** A later fixed start within the experiment (ISO-8601); @default the experiment's start */
  readonly since?: string;
  /** The candidate judged; @default the experiment's first candidate */
  readonly candidate?: string;
  /** A trailing window in hours: descriptive evidence only, never a verdict. */
  readonly hours?: number;
}

export const MAX_TRAILING_HOURS = 24 * 31;
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * Validates a report request from query-string-like values (the API's query, the CLI's flags):
 * the one place its rules live. Every problem is listed in one 400.
 */
export function parseReportRequest(raw: Readonly<Record<string, string | undefined>>): ReportRequest {
  const problems: string[] = [];
  // Other query parameters are ignored, as HTTP APIs commonly do (the CLI checks its own flags).
  const { experiment, since, candidate, hours } = raw;
  if (experiment !== undefined && !isExperimentId(experiment))
    problems.push('experiment must be an experiment id such as v7 (see `shadow-rollout status`)');
  let sinceIso: string | undefined;
  if (since !== undefined) {
    const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(since)
      ? Date.parse(since)
      : Number.NaN;
    if (Number.isNaN(ms)) problems.push('since must be an ISO-8601 time such as 2026-11-30T12:00:00Z');
    else sinceIso = new Date(ms).toISOString();
  }
  if (candidate !== undefined && !ENDPOINT_NAME.test(candidate))
    problems.push('candidate must be a SageMaker endpoint name');
  let trailing: number | undefined;
  if (hours !== undefined) {
    trailing = Number(hours);
    if (!(hours.trim() !== '' && Number.isFinite(trailing) && trailing > 0 && trailing <= MAX_TRAILING_HOURS))
      problems.push(`hours must be a positive number of hours, at most ${MAX_TRAILING_HOURS}`);
  }
  if (hours !== undefined && since !== undefined) problems.push('give since or hours, not both');
  if (problems.length > 0)
    throw new BadRequestError(`Invalid report request: ${problems.join('; ')}`, 'invalid_report_request');
  return {
    ...(experiment === undefined ? {} : { experiment }),
    ...(sinceIso === undefined ? {} : { since: sinceIso }),
    ...(candidate === undefined ? {} : { candidate }),
    ...(trailing === undefined ? {} : { hours: trailing }),
  };
}
