import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnalysisCache, CompletedAnalysis } from '../use-cases/ports/report';
import { analysisKeyDigest } from './analysis-cache-key';

/**
 * Local mode's kept analyses: one JSON file per report request in a folder of the data dir, so a
 * restarted `npm start` past its deadline answers the last one with its age, as a cold function
 * on AWS does (DynamoDbAnalysisCache). Written to a temporary name and renamed: a reader sees a
 * whole file or none. A file that cannot be read is a miss; a report never fails on its cache.
 */
export class FileAnalysisCache implements AnalysisCache {
  constructor(
    private readonly dir: string,
    private readonly onError?: (operation: 'get' | 'put', error: unknown) => void,
  ) {}

  async get(key: string): Promise<CompletedAnalysis | undefined> {
    try {
      const kept = JSON.parse(await readFile(this.fileOf(key), 'utf8')) as {
        key: string;
      } & CompletedAnalysis;
      return kept.key === key ? { report: kept.report, completedAt: kept.completedAt } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.onError?.('get', error);
      return undefined;
    }
  }

  async put(key: string, analysis: CompletedAnalysis): Promise<void> {
    try {
      const previous = await this.get(key);
      // Analyses finish out of order: keep the latest.
      if (previous !== undefined && previous.completedAt >= analysis.completedAt) return;
      await mkdir(this.dir, { recursive: true });
      const file = this.fileOf(key);
      const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, JSON.stringify({ key, ...analysis }));
      await rename(temporary, file);
    } catch (error) {
      this.onError?.('put', error);
    }
  }

  private fileOf(key: string): string {
    return join(this.dir, `${analysisKeyDigest(key)}.json`);
  }
}
