import { join } from 'node:path';
import { DynamoDbAnalysisCache } from '../adapters/analysis-cache-dynamodb';
import { FileAnalysisCache } from '../adapters/analysis-cache-file';
import { InMemoryAnalysisCache } from '../adapters/analysis-cache-memory';
import { dynamoDbClient } from '../adapters/clients';
import * as Setting from '../configuration/function-settings';
import { type Env, readSetting } from '../configuration/setting';
import type { AnalysisCache } from '../use-cases/ports/report';

/** Where kept analyses live under a local evidence log (beside `records/` and `outcomes/`). */
export const LOCAL_ANALYSES_FOLDER = '.analyses';

/**
 * Where a report keeps its last completed analyses: on AWS the comparison table (shared by every
 * environment of the function, so a cold one past its deadline answers with the last analysis and
 * its age); locally a folder of the evidence log (kept across restarts); else the process.
 */
export function analysisCache(
  env: Env,
  onError: (operation: 'get' | 'put', error: unknown) => void,
): AnalysisCache {
  const table = readSetting(Setting.analysisCacheTable, env);
  if (table !== undefined) return new DynamoDbAnalysisCache(dynamoDbClient(), table, { onError });
  const dir = readSetting(Setting.evidenceLogDir, env);
  if (dir !== undefined) return new FileAnalysisCache(join(dir, LOCAL_ANALYSES_FOLDER), onError);
  return new InMemoryAnalysisCache();
}
