import type { AnalysisEngine } from '../use-cases/ports/evidence';
import { type Env, EnvName, MissingEnvironmentError, numberIn } from './env';

/** Where the report's SQL runs: DuckDB over local files, or Athena over the S3 log. */
export type AnalysisSettings =
  | { readonly kind: 'files'; readonly dir: string }
  | { readonly kind: 'athena'; readonly workGroup: string; readonly database: string };

export function analysisSettings(env: Env): AnalysisSettings {
  const dir = env[EnvName.evidenceLogDir]?.trim();
  if (dir) return { kind: 'files', dir };
  const workGroup = env[EnvName.analysisWorkGroup]?.trim();
  const database = env[EnvName.analysisDatabase]?.trim();
  if (workGroup && database) return { kind: 'athena', workGroup, database };
  throw new MissingEnvironmentError(
    `${EnvName.analysisWorkGroup} and ${EnvName.analysisDatabase}, or ${EnvName.evidenceLogDir}, environment variables are not set`,
  );
}

/** How a report answers: within how long, how long an analysis may run, how far back it reads. */
export interface ReportSettings {
  readonly answerWithinMs: number;
  readonly analysisTimeoutMs: number;
  readonly maxLookbackDays: number;
}

export function reportSettings(env: Env): ReportSettings {
  return {
    // API Gateway gives an integration 29 s; the function 28 s: answer well before.
    answerWithinMs: numberIn(env, EnvName.reportAnswerWithinMs, 20_000, 100, 25_000),
    analysisTimeoutMs: numberIn(env, EnvName.reportAnalysisTimeoutMs, 600_000, 1000, 3_600_000),
    maxLookbackDays: numberIn(env, EnvName.reportMaxLookbackDays, 31, 1, 3650),
  };
}

/**
 * The engine for these settings. DuckDB is loaded only when asked for (local mode, tests, the
 * CLI): it is a native module that the Lambda bundles leave out.
 */
export async function analysisEngine(settings: AnalysisSettings): Promise<AnalysisEngine> {
  switch (settings.kind) {
    case 'files': {
      const { DuckDbAnalysisEngine } = await import('../adapters/duckdb-analysis');
      return DuckDbAnalysisEngine.open(settings.dir);
    }
    case 'athena':
      // The Athena adapter (StartQueryExecution in the workgroup, positional parameters) plugs in here.
      throw new MissingEnvironmentError(
        `${EnvName.analysisWorkGroup} is set but this build has no Athena analysis adapter`,
      );
  }
}
