import type { ExperimentStart } from '../../core/experiment';
import type { Report } from '../../core/report/types';

/** The experiments a report can cover: the one in force and the recent ones (runtime config). */
export interface ExperimentCatalog {
  current(): Promise<ExperimentStart>;
  /** Recent experiments, newest first, the current one included. */
  recent(): Promise<readonly ExperimentStart[]>;
}

export interface CompletedAnalysis {
  readonly report: ReportAnswerBody;
  /** ISO-8601 time the analysis finished. */
  readonly completedAt: string;
}

/** The last completed analysis per report request, for answers past the deadline. */
export interface AnalysisCache {
  get(key: string): Promise<CompletedAnalysis | undefined>;
  put(key: string, analysis: CompletedAnalysis): Promise<void>;
}

/** A report as answered: the evidence and verdict, and what it covers. */
export type ReportAnswerBody = Report & {
  /** `experiment`: the verdict's scope; `trailing-window`: descriptive only, the verdict withheld. */
  readonly scope: 'experiment' | 'trailing-window';
};
