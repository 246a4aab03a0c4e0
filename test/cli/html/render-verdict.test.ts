import { GUARDRAILS, IDENTICAL, simulatedAggregates } from '../../../bench/verdict/simulate';
import { renderReport } from '../../../cli/commands/report';
import { type Point, valueDomain } from '../../../cli/html/charts/timeline';
import { renderHtmlReport } from '../../../cli/html/render-report';
import { buildReportFromAggregates } from '../../../lambda/core/report/from-aggregates';

const NOW = new Date('2026-02-01T00:00:00Z');

describe('the verdict as people read it', () => {
  it('names the experiment and its start next to the verdict, in the page and in the terminal', () => {
    const report = buildReportFromAggregates(simulatedAggregates(IDENTICAL, 2000, 1), GUARDRAILS, {
      now: NOW,
    });
    const page = renderHtmlReport(report, { title: 'test' });
    expect(page).toContain('data-experiment="exp-1"');
    expect(page).toMatch(/Experiment <code>exp-1<\/code> since 2026-01-01 00:00 UTC/);
    const text = renderReport(report, 'test');
    expect(text.split('\n')[1]).toContain('experiment exp-1 since 2026-01-01T00:00:00.000Z');
  });

  it('shows INVALID with the observed and expected shares', () => {
    const truth = { ...IDENTICAL, canaryShare: 0.3, configuredCanaryShare: 0.1, requestsPerUser: 5 };
    const report = buildReportFromAggregates(simulatedAggregates(truth, 10_000, 2), GUARDRAILS, { now: NOW });
    const page = renderHtmlReport(report, { title: 'test' });
    expect(page).toContain('data-decision="INVALID"');
    expect(page).toMatch(/differs from the configured 10\.0%/);
    expect(renderReport(report, 'test')).toMatch(
      /: INVALID\n[\s\S]*canaryShare: users on the canary: \d+\.\d% of \d+ users \(\d+\) differs from the configured 10\.0%/,
    );
  });

  it('says when more data would not decide instead of printing an implausible count', () => {
    // A candidate at the error limit: the estimate sits on the threshold.
    const truth = { ...IDENTICAL, candidateErrorRate: 0.01 };
    const report = buildReportFromAggregates(simulatedAggregates(truth, 3000, 3), GUARDRAILS, { now: NOW });
    const errors = report.guardrails.find((g) => g.guardrail === 'maxErrorRate');
    expect(errors?.status).toBe('undecided');
    if (errors?.samplesNeeded !== undefined)
      expect(errors.samplesNeeded).toBeLessThanOrEqual(20 * errors.samples);
    else expect(errors?.notReachable).toMatch(/^not reachable at the observed effect/);
  });

  it('fits the error chart’s axis to every interval band, so no band is cut', () => {
    const point = (estimate: number, lower: number, upper: number, trials: number): Point => ({
      t: 0,
      bucket: {} as Point['bucket'],
      p: { estimate, lower, upper, successes: Math.round(estimate * trials), trials },
    });
    const [low, high] = valueDomain(
      'errors',
      [point(0.01, 0.005, 0.02, 1000), point(0.1, 0.02, 0.45, 10)],
      [],
    );
    expect(low).toBe(0);
    expect(high).toBeGreaterThanOrEqual(0.45);
    expect(high).toBeLessThanOrEqual(1);
    const [agreementLow] = valueDomain('agreement', [point(0.97, 0.6, 0.99, 12)], []);
    expect(agreementLow).toBeLessThanOrEqual(0.6);
  });
});
