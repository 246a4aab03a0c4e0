import type { Report } from '../core/report/types';
import type { StepEvidence } from '../core/rollout/rollout';
import type { ReportForOptions, ReportForPorts } from '../use-cases/report-for';
import { reportFor } from '../use-cases/report-for';
import type { VerdictRequest, VerdictSource } from '../use-cases/rollout/ports';

/**
 * The rollout's verdict: the same `reportFor` as `GET /report` and the CLI, on the experiment in
 * force. Every rollout step changes the canary share (or sample rate), which starts a new
 * experiment, so the experiment in force is the step's own data since it began: nothing from
 * earlier steps is pooled.
 */
export class ReportForVerdictSource implements VerdictSource {
  constructor(
    private readonly ports: Omit<ReportForPorts, 'guardrails' | 'now'>,
    private readonly options: ReportForOptions,
  ) {}

  async currentVerdict(request: VerdictRequest): Promise<StepEvidence> {
    const answer = await reportFor(
      { candidate: request.candidate },
      { ...this.ports, guardrails: request.guardrails, now: () => request.now },
      this.options,
    );
    if (answer.status === 'pending')
      return { decision: 'CONTINUE', samples: 0, summary: 'the analysis of this step is still running' };
    return verdictEvidence(answer.report);
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
