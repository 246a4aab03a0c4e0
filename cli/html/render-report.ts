import type { GuardrailCheck, GuardrailName, Report, TimeBucket } from '../../lambda/core/report/types';
import type { Interval } from '../../lambda/core/stats/interval';
import type { RolloutStatus } from '../../lambda/use-cases/rollout/manage-rollout';
import { emptyState, figure, legendItem } from './charts/frame';
import { GUARDRAIL_INTERVAL, guardrailBar } from './charts/guardrail-bar';
import { intervalPlot } from './charts/interval-plot';
import { LATENCY_HISTOGRAM, latencyHistogram } from './charts/latency-histogram';
import { DISAGREEMENT_REASONS, disagreementReasons } from './charts/reasons';
import { ROLLOUT_STEPS, rolloutStepsChart } from './charts/rollout-steps';
import { timelineChart } from './charts/timeline';
import {
  count,
  duration,
  type Format,
  GUARDRAIL_DISPLAY,
  milliseconds,
  percent,
  points,
  signedMilliseconds,
  utc,
  withInterval,
} from './format';
import { type Fragment, html, type SafeHtml } from './safe-html';
import { STYLES } from './styles';

/** The report, plus (against AWS) the stage's alarms firing when it was made. */
export type HtmlReportData = Report & {
  readonly alarmsInAlarm?: readonly string[];
  /** The current or last progressive rollout, drawn with its steps and transitions. */
  readonly rollout?: RolloutStatus;
};

export interface HtmlReportOptions {
  /** The page's title, e.g. "shadow-rollout report: stage prod". */
  readonly title: string;
}

/** Stable names of the page's charts (`data-chart` on each chart's SVG). */
export const CHARTS = {
  latencyHistogram: LATENCY_HISTOGRAM,
  agreementTimeline: 'agreement-timeline',
  errorTimeline: 'error-timeline',
  conversion: 'conversion',
  accuracy: 'accuracy',
  disagreementReasons: DISAGREEMENT_REASONS,
  guardrailInterval: GUARDRAIL_INTERVAL,
  rolloutSteps: ROLLOUT_STEPS,
} as const;

/**
 * The report as one self-contained HTML page: the verdict first, then the guardrails it was
 * decided on, then the evidence as charts. Pure (the same report gives the same page) and
 * offline: inline CSS and SVG, no script, no font, image or other request — a
 * Content-Security-Policy of `default-src 'none'` makes the browser enforce that.
 */
export function renderHtmlReport(report: HtmlReportData, options: HtmlReportOptions): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="shadow-rollout">
<title>${options.title} — ${report.verdict.decision}</title>
<style>${STYLES}</style>
</head>
<body>
<main>
<header class="page"><h1>${options.title}</h1><span class="meta">Generated ${utc(report.generatedAt, true)} · ${report.phase} phase</span></header>
${verdictSection(report)}
${report.rollout && report.rollout.state !== 'none' ? rolloutSection(report.rollout, report.generatedAt) : null}
${keyFigures(report)}
${guardrailSection(report)}
${latencySection(report)}
${timelineSection(report)}
${agreementSection(report)}
${outcomeSection(report)}
${footer(report)}
</main>
</body>
</html>
`;
  return page.value;
}

function checkOf(report: Report, name: GuardrailName): GuardrailCheck | undefined {
  return report.guardrails.find((g) => g.guardrail === name);
}

const candidateName = (report: Report) => report.candidate.endpoint ?? 'the candidate';

function headline(report: Report): string {
  const { verdict } = report;
  switch (verdict.decision) {
    case 'PROMOTE':
      return `Promote ${candidateName(report)}: every guardrail is met with confidence`;
    case 'REJECT': {
      const label = verdict.guardrail
        ? GUARDRAIL_DISPLAY[verdict.guardrail].label.toLowerCase()
        : 'a guardrail';
      return `Reject ${candidateName(report)}: ${label} is outside its limit`;
    }
    case 'INVALID':
      return 'Invalid experiment: the observed traffic split is not the configured one, so no comparison can be trusted';
    default: {
      const undecided = report.guardrails.filter(
        (g) => g.status === 'undecided' && g.blocking !== false,
      ).length;
      return `Keep collecting evidence: ${undecided} guardrail${undecided === 1 ? ' is' : 's are'} not decided yet`;
    }
  }
}

/** "maxErrorRate: candidate error rate …" → the guardrail's label and the rest. */
function splitReason(reason: string): { readonly label: string | null; readonly text: string } {
  const colon = reason.indexOf(': ');
  const name = reason.slice(0, colon) as GuardrailName;
  if (colon > 0 && name in GUARDRAIL_DISPLAY) {
    return { label: GUARDRAIL_DISPLAY[name].label, text: reason.slice(colon + 2) };
  }
  return { label: null, text: reason };
}

function verdictSection(report: HtmlReportData): SafeHtml {
  const { verdict } = report;
  const needed = Object.entries(verdict.samplesNeeded ?? {}) as [GuardrailName, number][];
  const unreachable = Object.entries(verdict.notReachable ?? {}) as [GuardrailName, string][];
  const alarms = report.alarmsInAlarm;
  const experiment = report.experiment;
  return html`<section class="verdict ${verdict.decision}" data-decision="${verdict.decision}" aria-labelledby="verdict-heading">
<h2 class="visually-hidden" id="verdict-heading">Verdict: ${verdict.decision}</h2>
<div class="verdict-head"><span class="decision" aria-hidden="true">${verdict.decision}</span><div><div class="headline">${headline(report)}</div>
<div class="versus">Candidate <strong>${report.candidate.endpoint ?? 'none yet'}</strong> vs production <strong>${report.production.endpoint ?? 'none yet'}</strong> · ${count(report.samples.comparisons)} comparisons from ${count(report.samples.records)} records${verdict.guardrail ? html` · decided by <code>${verdict.guardrail}</code>` : null}</div></div></div>
<div class="experiment" data-experiment="${experiment.id}">Experiment <code>${experiment.id}</code> since ${utc(experiment.since)} (canary ${experiment.canaryPercent}% of users, shadow sample rate ${percent(experiment.sampleRate)}): the verdict covers only this configuration, from its start${report.window.to ? html` to ${utc(report.window.to)}` : null}.${report.invalidRecords > 0 ? html` <strong>${count(report.invalidRecords)} record${report.invalidRecords === 1 ? '' : 's'} with impossible data left out.</strong>` : null}</div>
${
  verdict.reasons.length > 0
    ? html`<ul class="reasons">${verdict.reasons.map((reason) => {
        const { label, text } = splitReason(reason);
        return html`<li>${label ? html`<span class="reason-name">${label}:</span> ` : null}${text}</li>`;
      })}</ul>`
    : null
}
${
  needed.length > 0
    ? html`<div class="needed"><span class="label">Samples still needed (planning estimates):</span>${needed.map(
        ([name, n]) =>
          html`<span class="chip" data-needed="${name}">${GUARDRAIL_DISPLAY[name]?.label ?? name}: <strong>≈ ${count(n)}</strong> more ${checkOf(report, name)?.unit ?? ''}</span>`,
      )}</div>`
    : null
}
${
  unreachable.length > 0
    ? html`<div class="needed unreachable"><span class="label">Not reachable at the observed effect:</span>${unreachable.map(
        ([name, why]) =>
          html`<span class="chip" data-unreachable="${name}">${GUARDRAIL_DISPLAY[name]?.label ?? name}: ${why}</span>`,
      )}</div>`
    : null
}
${
  alarms === undefined
    ? null
    : alarms.length > 0
      ? html`<div class="alarms firing" role="alert" data-alarms="${alarms.length}"><strong>${alarms.length} alarm${alarms.length === 1 ? '' : 's'} firing now:</strong><ul>${alarms.map((name) => html`<li><code>${name}</code></li>`)}</ul></div>`
      : html`<div class="alarms quiet" data-alarms="0">No alarms firing.</div>`
}
</section>`;
}

function rolloutSection(rollout: RolloutStatus, now: string): SafeHtml {
  const rows = rollout.history.map(
    (t) =>
      html`<tr data-event="${t.event}"><td>${utc(t.at, true)}</td><td><strong>${t.event}</strong></td><td class="num">${t.step}</td><td class="num">${t.canaryPercent}%</td><td>${t.evidence ? html`<span class="pill ${t.evidence.decision === 'PROMOTE' ? 'met' : t.evidence.decision === 'CONTINUE' ? 'undecided' : 'violated'}">${t.evidence.decision}</span>` : '–'}</td><td>${t.by}: ${t.reason}${t.evidence ? html`<div class="meta">${t.evidence.samples} samples · ${t.evidence.summary}</div>` : null}</td></tr>`,
  );
  const current =
    rollout.state === 'running' || rollout.state === 'paused'
      ? ` · step ${rollout.step} of 0..${(rollout.steps ?? 1) - 1}, canary ${rollout.canaryPercent}%`
      : '';
  return html`<section aria-labelledby="rollout-heading" data-rollout-state="${rollout.state}">
<h2 id="rollout-heading">Rollout of ${rollout.candidate ?? 'the candidate'}: ${rollout.state.replace('_', ' ')}${current}</h2>
<p class="section-lead">Each step is judged on its own data, from the moment it began; the plan is ${rollout.planSource ?? 'unknown'}.${rollout.hold ? ` Held by ${rollout.hold.by}: ${rollout.hold.reason}.` : ''}</p>
<div class="stack">
${figure({
  id: 'rollout-figure',
  title: 'Steps and canary share over time',
  content: rolloutStepsChart(rollout, now),
  caption:
    'The canary share the rollout set, from transition to transition; each dot is a transition with the verdict it was made on.',
})}
<div class="card table-card"><table class="stats" aria-label="Rollout transitions">
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col" class="num">Step</th><th scope="col" class="num">Canary</th><th scope="col">Verdict</th><th scope="col">Who and why</th></tr></thead>
<tbody>${rows}</tbody></table></div>
</div>
</section>`;
}

function tile(name: string, value: Fragment, sub: Fragment, status?: GuardrailCheck['status']): SafeHtml {
  return html`<div class="tile"><div class="name">${status ? html`<span class="dot ${status}" title="${status.replace('_', ' ')}"></span>` : null}${name}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`;
}

function keyFigures(report: Report): SafeHtml {
  const sample = checkOf(report, 'minSampleSize');
  const agreement = checkOf(report, 'minAgreement');
  const errors = checkOf(report, 'maxErrorRate');
  const p99 = checkOf(report, 'maxP99LatencyMs');
  const increase = checkOf(report, 'maxLatencyIncreaseMs');
  const { latency, conversion, accuracy } = report;
  const tiles = [
    tile(
      'Comparisons',
      count(report.samples.comparisons),
      sample
        ? `of ${count(sample.threshold)} needed · ${count(report.samples.records)} records`
        : `${count(report.samples.records)} records`,
      sample?.status,
    ),
    tile(
      'Agreement',
      percent(report.agreement.candidate.estimate),
      report.agreement.noiseBaseline
        ? `production with itself ${percent(report.agreement.noiseBaseline.estimate)}`
        : agreement
          ? `minimum ${percent(agreement.threshold)}`
          : '',
      agreement?.status,
    ),
    tile(
      'Candidate errors',
      percent(report.errors.candidate.estimate),
      `vs ${percent(report.errors.production.estimate)} production${errors ? ` · max ${percent(errors.threshold)}` : ''}`,
      errors?.status,
    ),
    tile(
      'Candidate p99',
      milliseconds(latency.candidate.p99.estimate),
      `vs ${milliseconds(latency.production.p99.estimate)} production (${signedMilliseconds(latency.delta.p99.estimate)})`,
      worst(p99?.status, increase?.status),
    ),
  ];
  if (conversion) {
    tiles.push(
      tile(
        'Conversion Δ',
        points(conversion.difference.difference.estimate),
        `canary ${percent(conversion.canary.estimate)} vs ${percent(conversion.production.estimate)} production`,
        checkOf(report, 'maxConversionDrop')?.status,
      ),
    );
  }
  if (accuracy) {
    tiles.push(
      tile(
        'Candidate accuracy',
        percent(accuracy.candidate.estimate),
        `vs ${percent(accuracy.production.estimate)} production · ${count(report.samples.labelled)} labels`,
      ),
    );
  }
  return html`<section class="tiles" aria-label="Key figures">${tiles}</section>`;
}

const SEVERITY: readonly GuardrailCheck['status'][] = ['violated', 'undecided', 'met', 'not_applicable'];
function worst(...statuses: (GuardrailCheck['status'] | undefined)[]): GuardrailCheck['status'] | undefined {
  const known = statuses.filter((s): s is GuardrailCheck['status'] => s !== undefined);
  return known.sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0];
}

const STATUS_LABEL: Record<GuardrailCheck['status'], string> = {
  met: '✓ met',
  violated: '✗ violated',
  undecided: '… undecided',
  not_applicable: '– n/a',
};

function guardrailSection(report: Report): SafeHtml {
  const rows = report.guardrails.map((check) => {
    const display = GUARDRAIL_DISPLAY[check.guardrail];
    return html`<tr data-guardrail="${check.guardrail}" data-status="${check.status}">
<td><span class="pill ${check.status}">${STATUS_LABEL[check.status]}</span></td>
<td class="guardrail-name"><strong>${display.label}</strong>${check.blocking === false ? html` <span class="ci" data-evidence-only="true">(evidence only: never decides)</span>` : null}<div class="measure">${check.measure} · <code>${check.guardrail}</code></div></td>
<td class="num">${check.guardrail === 'minSampleSize' ? count(check.evidence.estimate) : withIntervalLines(check.evidence, display.format)}</td>
<td class="evidence">${guardrailBar(check)}</td>
<td class="num">${count(check.samples)} <span class="ci">${check.unit}</span>${check.samplesNeeded !== undefined ? html`<div class="more-needed">≈ ${count(check.samplesNeeded)} more</div>` : check.notReachable !== undefined ? html`<div class="more-needed" title="${check.notReachable}">not reachable at the observed effect</div>` : null}</td>
</tr>`;
  });
  return html`<section aria-labelledby="guardrails-heading">
<h2 id="guardrails-heading">Guardrails</h2>
<p class="section-lead">Each guardrail is decided by one-sided always-valid tests on the experiment since its start: met or violated only once the whole interval is on one side of the threshold (shaded green where it passes). Looking as often as you like, a bad candidate is promoted with probability at most ${percent(report.alpha)}, and alpha is split over the guardrails so a good one is rejected with probability at most ${percent(report.alpha)} too.</p>
<div class="card table-card"><table class="guardrails">
<thead><tr><th scope="col">Status</th><th scope="col">Guardrail</th><th scope="col" class="num">Estimate [interval]</th><th scope="col">Against the threshold</th><th scope="col" class="num">Samples (more needed)</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
</section>`;
}

function withIntervalLines(interval: Interval, format: Format): SafeHtml {
  if (interval.estimate === null) return html`n/a`;
  const bound = (v: number | null) => (v === null ? '…' : format(v));
  return html`<strong>${format(interval.estimate)}</strong><div class="ci">[${bound(interval.lower)}, ${bound(interval.upper)}]</div>`;
}

function latencySection(report: Report): SafeHtml {
  const { latency } = report;
  const limit = checkOf(report, 'maxP99LatencyMs')?.threshold ?? null;
  const cell = (interval: Interval, format: Format) =>
    html`<td class="num">${format(interval.estimate)}${interval.estimate !== null && (interval.lower !== null || interval.upper !== null) ? html`<div class="ci">[${interval.lower === null ? '…' : format(interval.lower)}, ${interval.upper === null ? '…' : format(interval.upper)}]</div>` : null}</td>`;
  const ratio = latency.delta.ratio;
  const times = (v: number | null) => (v === null ? 'n/a' : `×${v.toFixed(2)}`);
  const edges = latency.histogram.edges;
  const hasHistogram = edges.length >= 2;
  const [firstEdge = 0, lastEdge = 0] = [edges[0], edges.at(-1)];
  // The histogram draws the limit only where it falls on its axis (latencyHistogram does the same test).
  const limitDrawn = limit !== null && hasHistogram && limit >= firstEdge && limit <= lastEdge;
  const limitNote =
    limit !== null && hasHistogram && !limitDrawn
      ? ` The p99 limit (${milliseconds(limit)}) is ${limit > lastEdge ? 'beyond' : 'below'} the axis.`
      : '';
  return html`<section aria-labelledby="latency-heading">
<h2 id="latency-heading">Latency</h2>
<p class="section-lead">Successful calls only: a failed call's latency is a timeout or an error path, and is counted as an error instead.</p>
<div class="stack">
${figure({
  id: 'latency-figure',
  title: 'Latency distributions, side by side',
  legend: hasHistogram
    ? html`${legendItem('production', 'production')}${legendItem('candidate', 'candidate')}<span class="key">dashed lines: p50, p90, p99</span>${!limitDrawn ? null : legendItem('limit', html`p99 limit ${milliseconds(limit ?? 0)}`, 'dash')}`
    : null,
  content: latencyHistogram(report, limit),
  caption: hasHistogram
    ? html`Share of each model's successful calls per bin; both panels use the same ${edges.length - 1} bins and axes, so the shapes compare directly. The last bin also holds slower calls.${limitNote}`
    : 'Production and candidate latencies will be drawn side by side on the same bins.',
})}
<div class="card table-card"><table class="stats" aria-label="Latency percentiles">
<thead><tr><td></td><th scope="col" class="num">p50</th><th scope="col" class="num">p90</th><th scope="col" class="num">p99</th><th scope="col" class="num">mean</th><th scope="col" class="num">calls</th></tr></thead>
<tbody>
<tr><td class="row-name"><span class="swatch production"></span> Production <span class="meta">${latency.production.endpoint ?? ''}</span></td>${cell(latency.production.p50, milliseconds)}${cell(latency.production.p90, milliseconds)}${cell(latency.production.p99, milliseconds)}<td class="num">${milliseconds(latency.production.mean)}</td><td class="num">${count(latency.production.count)}</td></tr>
<tr><td class="row-name"><span class="swatch candidate"></span> Candidate <span class="meta">${latency.candidate.endpoint ?? ''}</span></td>${cell(latency.candidate.p50, milliseconds)}${cell(latency.candidate.p90, milliseconds)}${cell(latency.candidate.p99, milliseconds)}<td class="num">${milliseconds(latency.candidate.mean)}</td><td class="num">${count(latency.candidate.count)}</td></tr>
<tr><td class="row-name">Candidate − production</td>${cell(latency.delta.p50, signedMilliseconds)}${cell(latency.delta.p90, signedMilliseconds)}${cell(latency.delta.p99, signedMilliseconds)}${cell(latency.delta.mean, signedMilliseconds)}<td class="num ci">${times(ratio.estimate)} geo. mean</td></tr>
</tbody></table>
<p class="meta" style="margin:6px 10px">Percentiles are nearest-rank with distribution-free ${percent(1 - report.alpha)} intervals; differences combine both at ${percent(report.alpha / 2)} each; the mean difference is a Welch interval.</p></div>
</div>
</section>`;
}

function timelineSection(report: Report): SafeHtml {
  const { timeline } = report;
  const minAgreement = checkOf(report, 'minAgreement')?.threshold;
  const maxErrors = checkOf(report, 'maxErrorRate')?.threshold;
  const baseline = report.agreement.noiseBaseline?.estimate ?? null;
  const empty = 'No records in this window yet: rates over time appear with the first comparisons.';
  const agreement = timelineChart({
    chart: CHARTS.agreementTimeline,
    title: 'Agreement rate over time',
    buckets: timeline.buckets,
    bucketMinutes: timeline.bucketMinutes,
    series: [{ key: 'agreement', label: 'agreement', values: (b) => b.agreement }],
    layout: 'overlay',
    references: [
      ...(minAgreement === undefined
        ? []
        : [
            {
              key: 'limit' as const,
              value: minAgreement,
              name: 'minimum',
              label: `minimum agreement ${percent(minAgreement)}`,
            },
          ]),
      ...(baseline === null
        ? []
        : [
            {
              key: 'baseline' as const,
              value: baseline,
              name: 'noise baseline',
              label: `production agrees with itself ${percent(baseline)}`,
            },
          ]),
    ],
    axis: 'agreement',
    unit: 'comparisons',
    empty,
  });
  const errors = timelineChart({
    chart: CHARTS.errorTimeline,
    title: 'Error rates over time',
    buckets: timeline.buckets,
    bucketMinutes: timeline.bucketMinutes,
    series: [
      {
        key: 'production',
        label: 'production errors',
        heading: `Production · ${report.production.endpoint ?? 'no endpoint'}`,
        values: (b) => b.productionErrors,
      },
      {
        key: 'candidate',
        label: 'candidate errors',
        heading: `Candidate · ${report.candidate.endpoint ?? 'no endpoint'}`,
        values: (b) => b.candidateErrors,
      },
    ],
    layout: 'panels',
    references:
      maxErrors === undefined
        ? []
        : [
            {
              key: 'limit',
              value: maxErrors,
              name: 'limit',
              label: `maximum error rate ${percent(maxErrors)}`,
            },
          ],
    axis: 'errors',
    unit: 'calls',
    empty,
  });
  const per = `per ${duration(timeline.bucketMinutes)}`;
  const hasTimeline = timeline.buckets.length > 0;
  return html`<section aria-labelledby="timeline-heading">
<h2 id="timeline-heading">Over time</h2>
<p class="section-lead">Rates ${per} (UTC), with a shaded ${percent(1 - report.alpha)} Wilson interval for each bucket: a sudden change shows here before it moves the totals. Hover a point for its counts.</p>
<div class="stack">
${figure({
  id: 'agreement-figure',
  title: 'Agreement with production',
  legend:
    hasTimeline &&
    html`${legendItem('agreement', 'candidate agrees with production', 'line')}${minAgreement === undefined ? null : legendItem('limit', 'minimum agreement', 'dash')}${baseline === null ? null : legendItem('baseline', 'production vs itself (noise baseline)', 'dash')}`,
  content: agreement,
  caption: html`Share of comparisons ${per} in which the comparator found the candidate's answer equivalent to production's.${report.agreement.candidate.trials > 0 ? ` Overall ${withInterval(report.agreement.candidate, percent)} over ${count(report.agreement.candidate.trials)} comparisons.` : ''}`,
})}
${figure({
  id: 'error-figure',
  title: 'Error rates',
  legend:
    hasTimeline &&
    html`${legendItem('production', 'production', 'line')}${legendItem('candidate', 'candidate', 'line')}${maxErrors === undefined ? null : legendItem('limit', 'maximum error rate', 'dash')}<span class="key">same axes in both panels</span>`,
  content: errors,
  caption: html`Failed calls (model errors, timeouts, throttling) over all calls ${per}.${hasTimeline ? ` Overall: production ${withInterval(report.errors.production, percent)}, candidate ${withInterval(report.errors.candidate, percent)}; difference ${withInterval(report.errors.difference.difference, points)}${report.errors.difference.pValue === null ? '' : ` (p = ${report.errors.difference.pValue.toFixed(3)})`}.` : ''}`,
})}
${timeline.buckets.length > 0 ? timelineTable(timeline.buckets) : null}
</div>
</section>`;
}

function timelineTable(buckets: readonly TimeBucket[]): SafeHtml {
  const rate = (p: { successes: number; trials: number; estimate: number | null }) =>
    p.trials === 0 ? '—' : `${percent(p.estimate)} (${count(p.successes)}/${count(p.trials)})`;
  return html`<details><summary>Timeline data (${count(buckets.length)} buckets)</summary><table class="stats">
<thead><tr><th scope="col">bucket start</th><th scope="col" class="num">records</th><th scope="col" class="num">agreement</th><th scope="col" class="num">production errors</th><th scope="col" class="num">candidate errors</th></tr></thead>
<tbody>${buckets.map((b) => html`<tr><td>${utc(b.start)}</td><td class="num">${count(b.records)}</td><td class="num">${rate(b.agreement)}</td><td class="num">${rate(b.productionErrors)}</td><td class="num">${rate(b.candidateErrors)}</td></tr>`)}</tbody>
</table></details>`;
}

function agreementSection(report: Report): SafeHtml {
  const { agreement } = report;
  const metrics = Object.entries(agreement.metrics);
  const disagreements = agreement.candidate.trials - agreement.candidate.successes;
  const excess = agreement.excessDisagreement;
  const row = (name: string, detail: string, value: Interval | null, format: Format) =>
    html`<tr><td class="row-name">${name}<div class="ci">${detail}</div></td><td class="num">${value ? withIntervalLines(value, format) : 'n/a'}</td></tr>`;
  const baseline = agreement.noiseBaseline;
  const summary = html`<table class="stats agreement-summary" aria-label="Agreement summary"><tbody>
${row('Candidate vs production', `${count(agreement.candidate.successes)} of ${count(agreement.candidate.trials)} comparisons agree`, agreement.candidate, percent)}
${row('Production vs itself', baseline ? `${count(baseline.successes)} of ${count(baseline.trials)} re-invocations agree` : 'no noise baseline in this window', baseline, percent)}
${row('Excess disagreement', "candidate's disagreement beyond production's own", excess, points)}
</tbody></table>
${
  metrics.length > 0
    ? html`<table class="stats" aria-label="Comparator metrics" style="margin-top:10px"><thead><tr><th scope="col">comparator metric</th><th scope="col" class="num">mean</th><th scope="col" class="num">min</th><th scope="col" class="num">max</th><th scope="col" class="num">n</th></tr></thead><tbody>${metrics.map(
        ([name, m]) =>
          html`<tr><td><code>${name}</code></td><td class="num">${round(m.mean)}</td><td class="num">${round(m.min)}</td><td class="num">${round(m.max)}</td><td class="num">${count(m.count)}</td></tr>`,
      )}</tbody></table>`
    : null
}`;
  return html`<section aria-labelledby="agreement-heading">
<h2 id="agreement-heading">Where they disagree</h2>
<p class="section-lead">A nondeterministic model disagrees with itself; with a noise baseline the candidate is only blamed for disagreement beyond production's own.</p>
<div class="grid-2">
<div class="card"><h3>Agreement</h3>${summary}</div>
${figure({
  id: 'reasons-figure',
  title: 'Most frequent disagreement reasons',
  content:
    agreement.reasons.length > 0
      ? disagreementReasons(agreement.reasons, disagreements)
      : emptyState(
          CHARTS.disagreementReasons,
          disagreements === 0 ? 'No disagreements recorded.' : 'The comparator gave no reasons.',
        ),
  caption:
    disagreements === 0
      ? 'Reasons appear here when the candidate disagrees; comparators keep payloads out of them.'
      : `Out of ${count(disagreements)} disagreeing comparisons; comparators keep payloads out of the reasons.`,
})}
</div>
</section>`;
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function outcomeSection(report: Report): SafeHtml {
  const { conversion, accuracy } = report;
  const maxDrop = checkOf(report, 'maxConversionDrop');
  const conversionFigure = figure({
    id: 'conversion-figure',
    title: 'Conversion per served variant',
    legend:
      conversion &&
      html`${legendItem('production', 'production')}${legendItem('canary', 'canary (candidate serving users)')}${maxDrop ? legendItem('limit', 'max drop', 'dash') : null}`,
    content: conversion
      ? intervalPlot({
          chart: CHARTS.conversion,
          title: 'Conversion rate per served variant, with intervals',
          rows: [
            { key: 'production', label: 'production', value: conversion.production },
            { key: 'canary', label: 'canary', value: conversion.canary },
          ],
          difference: {
            label: 'canary − production',
            value: conversion.difference.difference,
            ...(maxDrop
              ? { limit: { value: -maxDrop.threshold, label: `max drop ${points(-maxDrop.threshold)}` } }
              : {}),
          },
        })
      : emptyState(
          CHARTS.conversion,
          html`No conversion outcomes yet. Post them to <code>POST /outcomes</code> as <code>{"requestId", "converted"}</code>; conversion is compared once a canary serves users.`,
        ),
    caption: conversion
      ? html`Points are conversion rates with ${percent(1 - report.alpha)} Wilson intervals; the difference uses Newcombe's interval${conversion.difference.pValue === null ? '' : ` (p = ${conversion.difference.pValue.toFixed(3)})`}.${conversion.samplesPerVariantToDetectMaxDrop === null ? '' : ` A fixed-size test would need about ${count(conversion.samplesPerVariantToDetectMaxDrop)} outcomes per variant to detect the maximum drop.`}`
      : html`Conversion compares the users served by the canary with those served by production.`,
  });
  const accuracyFigure = figure({
    id: 'accuracy-figure',
    title: 'Accuracy against labels',
    legend:
      accuracy && html`${legendItem('production', 'production')}${legendItem('candidate', 'candidate')}`,
    content: accuracy
      ? intervalPlot({
          chart: CHARTS.accuracy,
          title: 'Accuracy per model against posted labels, with intervals',
          rows: [
            { key: 'production', label: 'production', value: accuracy.production },
            { key: 'candidate', label: 'candidate', value: accuracy.candidate },
          ],
          difference: { label: 'candidate − production', value: accuracy.difference.difference },
        })
      : emptyState(
          CHARTS.accuracy,
          html`No labels yet. Post the true label to <code>POST /outcomes</code> as <code>{"requestId", "label"}</code> to compare accuracy.`,
        ),
    caption: accuracy
      ? html`Share of labelled requests each model predicted correctly (${count(report.samples.labelled)} labels), with ${percent(1 - report.alpha)} Wilson intervals; the difference uses Newcombe's interval.`
      : html`Accuracy needs the comparator's label path and posted labels.`,
  });
  return html`<section aria-labelledby="outcomes-heading">
<h2 id="outcomes-heading">Outcomes</h2>
<p class="section-lead">What the business sees: conversion of the users each variant served, and, where labels arrive, which model was right.</p>
<div class="grid-2">${conversionFigure}${accuracyFigure}</div>
</section>`;
}

function footer(report: Report): SafeHtml {
  const others = report.candidates.filter((c) => c !== report.candidate.endpoint);
  const s = report.samples;
  const rows: [string, Fragment][] = [
    ['Generated', utc(report.generatedAt, true)],
    [
      'Window',
      report.window.from === null
        ? 'no records yet'
        : `${utc(report.window.from, true)} → ${utc(report.window.to, true)}`,
    ],
    [
      'Phase',
      report.phase === 'canary'
        ? 'canary (the candidate serves some users)'
        : 'shadow (the candidate only sees replays)',
    ],
    ['Production', report.production.endpoint ?? 'n/a'],
    ['Candidate', report.candidate.endpoint ?? 'n/a'],
    ...(others.length > 0 ? [['Other candidates seen', others.join(', ')] as [string, Fragment]] : []),
    ['Intervals', `${percent(1 - report.alpha)} (alpha ${report.alpha})`],
    ['Timeline buckets', duration(report.timeline.bucketMinutes)],
    [
      'Samples',
      `${count(s.records)} records · ${count(s.comparisons)} comparisons · ${count(s.noiseBaseline)} noise-baseline · ${count(s.productionResults)} production and ${count(s.candidateResults)} candidate results · ${count(s.outcomes)} conversion outcomes · ${count(s.labelled)} labels`,
    ],
  ];
  return html`<footer>
<dl>${rows.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
<p>Guardrail intervals are always-valid (sequential): they hold however often the report is requested, and are wider than the fixed-sample intervals in the charts, which describe the data but do not decide. “Samples still needed” projects the current estimates forward and is a planning figure, not a promise.</p>
<p>Made by <code>shadow-rollout report --html</code>. This page is self-contained: it loads nothing from the network.</p>
</footer>`;
}
