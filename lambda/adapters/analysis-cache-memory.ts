import type { AnalysisCache, CompletedAnalysis } from '../use-cases/ports/report';

/**
 * Completed analyses kept in the process: enough for local mode (one long-lived process) and for
 * a warm Lambda environment; a cold one starts empty and answers 202 until its first analysis.
 */
export class InMemoryAnalysisCache implements AnalysisCache {
  private readonly entries = new Map<string, CompletedAnalysis>();

  constructor(private readonly maxEntries = 50) {}

  async get(key: string): Promise<CompletedAnalysis | undefined> {
    return this.entries.get(key);
  }

  async put(key: string, analysis: CompletedAnalysis): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, analysis);
    // Oldest first in insertion order: drop beyond the bound.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }
}
