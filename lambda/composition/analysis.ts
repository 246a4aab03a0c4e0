import { AthenaAnalysisEngine } from '../adapters/athena-analysis';
import { athenaClient } from '../adapters/clients';
import * as Setting from '../configuration/function-settings';
import { type Env, MissingEnvironmentError, readSetting } from '../configuration/setting';
import type { AnalysisEngine } from '../use-cases/ports/evidence';

/** Where the report's SQL runs: Athena over the Glue tables (AWS) or DuckDB over the files (local). */
export type AnalysisSettings =
  | { readonly kind: 'athena'; readonly workGroup: string; readonly database: string }
  | { readonly kind: 'files'; readonly dir: string; readonly memoryMb: number };

/**
 * Reads the analysis settings once, at cold start. On AWS the stack sets the workgroup and the
 * database together; one without the other is a deployment mistake, reported by name.
 */
export function analysisSettings(env: Env): AnalysisSettings {
  const workGroup = readSetting(Setting.analysisWorkGroup, env);
  const database = readSetting(Setting.analysisDatabase, env);
  if (workGroup !== undefined || database !== undefined) {
    if (workGroup === undefined)
      throw new MissingEnvironmentError(`${Setting.analysisWorkGroup.env} environment variable is not set`);
    if (database === undefined)
      throw new MissingEnvironmentError(`${Setting.analysisDatabase.env} environment variable is not set`);
    return { kind: 'athena', workGroup, database };
  }
  const dir = readSetting(Setting.evidenceLogDir, env);
  if (dir !== undefined) return { kind: 'files', dir, memoryMb: readSetting(Setting.evidenceMemoryMb, env) };
  throw new MissingEnvironmentError(
    `${Setting.analysisWorkGroup.env} and ${Setting.analysisDatabase.env}, or ${Setting.evidenceLogDir.env}, environment variables are not set`,
  );
}

/** How a report answers: within how long, how long an analysis may run, how far back it reads. */
export interface ReportSettings {
  readonly answerWithinMs: number;
  readonly analysisTimeoutMs: number;
  readonly maxLookbackDays: number;
}

export function reportSettings(): ReportSettings {
  return {
    // API Gateway gives an integration 29 s, the function 28 s: answer well before.
    answerWithinMs: 20_000,
    analysisTimeoutMs: 600_000,
    // The longest an experiment without a recorded start (the deploy-time one) is read back.
    maxLookbackDays: 31,
  };
}

/**
 * The engine for the settings. DuckDB is loaded only for files, through a dynamic import, so a
 * deployed function never loads its native library (bundle it as external there).
 */
export async function analysisEngine(settings: AnalysisSettings): Promise<AnalysisEngine> {
  switch (settings.kind) {
    case 'athena':
      return new AthenaAnalysisEngine(athenaClient(), {
        workGroup: settings.workGroup,
        database: settings.database,
      });
    case 'files': {
      const { DuckDbAnalysisEngine } = await import('../adapters/duckdb-analysis');
      return DuckDbAnalysisEngine.open(settings.dir, { memoryLimit: `${settings.memoryMb}MB` });
    }
  }
}
