import type { ComparatorConfig } from '../core/comparators/types';
import type { ComparisonRecord } from '../core/comparison-record';
import { buildReport } from '../core/report';
import type { Report } from '../core/report/types';
import type { StepEvidence } from '../core/rollout/rollout';
import type { VerdictRequest, VerdictSource } from '../use-cases/rollout/ports';

/** Reads the comparison records received in a time window (ComparisonStore.listWindow). */
export interface RecordsInWindow {
  listWindow(from: Date, to: Date): Promise<ComparisonRecord[]>;
}

/**
 * The verdict from today's report path: the records received since the experiment began, through
 * the same `buildReport` as `GET /report` and the CLI.
 *
 * SEAM: once the evidence log's `reportFor(experiment)` use case is merged, a VerdictSource that
 * calls it (the experiment that began at `experimentSince`) replaces this class in the three
 * places that build one: lambda/handlers/rollout-controller.ts, local/rollout/local-rollout.ts and
 * cli/commands/rollout.ts. Nothing else depends on where the verdict comes from.
 */
export class ReportVerdictSource implements VerdictSource {
  constructor(
    private readonly records: RecordsInWindow,
    private readonly comparator: ComparatorConfig,
  ) {}

  async currentVerdict(request: VerdictRequest): Promise<StepEvidence> {
    const records = await this.records.listWindow(request.experimentSince, request.now);
    const report = buildReport(records, request.guardrails, {
      now: request.now,
      comparator: this.comparator,
      candidate: request.candidate,
      production: request.production,
    });
    return verdictEvidence(report);
  }
}

/** The verdict of a report in the rollout's terms: decision, samples, one line of why. */
export function verdictEvidence(report: Report): StepEvidence {
  const { verdict, samples } = report;
  const lead =
    verdict.decision === 'PROMOTE'
      ? 'every guardrail met'
      : verdict.reasons.slice(0, 2).join('; ') || 'no evidence yet';
  const summary = `${samples.records} records, ${samples.comparisons} compared; ${lead}`;
  return {
    decision: verdict.decision,
    samples: samples.records,
    summary: summary.length > 400 ? `${summary.slice(0, 397)}...` : summary,
    ...(verdict.guardrail ? { guardrail: verdict.guardrail } : {}),
  };
}
