import type { GuardrailCheck, Report, TimeBucket } from '../../../lambda/core/report/types';
import type { Proportion } from '../../../lambda/core/stats/proportions';

/** How many marks of each kind a chart should draw, keyed `mark` or `mark:series`. */
export type MarkCounts = Record<string, number>;

/**
 * The marks each chart must draw for a report, worked out from the report alone (not from the
 * renderer), so the unit test and the browser test check the page against the data.
 */
export function expectedMarks(report: Report): Record<string, MarkCounts> {
  const { histogram } = report.latency;
  const nonEmpty = (counts: readonly number[]) => counts.filter((c) => c > 0).length;
  const charts: Record<string, MarkCounts> = {};
  if (histogram.edges.length >= 2) {
    charts['latency-histogram'] = {
      'bar:production': nonEmpty(histogram.production),
      'bar:candidate': nonEmpty(histogram.candidate),
    };
  }
  const { buckets } = report.timeline;
  if (buckets.some((b) => b.agreement.trials > 0)) {
    charts['agreement-timeline'] = timelineMarks(buckets, 'agreement', (b) => b.agreement);
  }
  if (buckets.some((b) => b.productionErrors.trials > 0 || b.candidateErrors.trials > 0)) {
    charts['error-timeline'] = {
      ...timelineMarks(buckets, 'production', (b) => b.productionErrors),
      ...timelineMarks(buckets, 'candidate', (b) => b.candidateErrors),
    };
  }
  if (report.conversion) {
    const { production, canary, difference } = report.conversion;
    charts.conversion = intervalMarks(
      [
        ['production', production],
        ['canary', canary],
      ],
      difference.difference,
    );
  }
  if (report.accuracy) {
    const { production, candidate, difference } = report.accuracy;
    charts.accuracy = intervalMarks(
      [
        ['production', production],
        ['candidate', candidate],
      ],
      difference.difference,
    );
  }
  if (report.agreement.reasons.length > 0) {
    charts['disagreement-reasons'] = { bar: report.agreement.reasons.length };
  }
  return charts;
}

/** Per guardrail: a progress bar for the sample size, else an interval and a point once there is an estimate. */
export function expectedGuardrailMarks(check: GuardrailCheck): MarkCounts {
  if (check.guardrail === 'minSampleSize') return { progress: (check.evidence.estimate ?? 0) > 0 ? 1 : 0 };
  return check.evidence.estimate === null ? {} : { interval: 1, point: 1 };
}

/** One point per bucket with trials; a line per run of 2+ such buckets; a band (or whisker) per run. */
function timelineMarks(
  buckets: readonly TimeBucket[],
  series: string,
  values: (bucket: TimeBucket) => Proportion,
): MarkCounts {
  const runs: number[] = [];
  let run = 0;
  for (const bucket of buckets) {
    if (values(bucket).trials > 0) run += 1;
    else if (run > 0) {
      runs.push(run);
      run = 0;
    }
  }
  if (run > 0) runs.push(run);
  return {
    [`point:${series}`]: runs.reduce((a, b) => a + b, 0),
    [`line:${series}`]: runs.filter((r) => r > 1).length,
    [`band:${series}`]: runs.length,
  };
}

function intervalMarks(
  rows: readonly (readonly [string, Proportion])[],
  difference: { readonly estimate: number | null },
): MarkCounts {
  const counts: MarkCounts = {};
  for (const [series, p] of rows) {
    const n = p.estimate === null ? 0 : 1;
    counts[`point:${series}`] = n;
    counts[`whisker:${series}`] = n;
  }
  counts['point:difference'] = difference.estimate === null ? 0 : 1;
  counts['whisker:difference'] = difference.estimate === null ? 0 : 1;
  return counts;
}
