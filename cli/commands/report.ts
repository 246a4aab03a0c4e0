import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import { runtimeConfigExperiments } from '../../lambda/adapters/experiment-catalog';
import { analysisEngine } from '../../lambda/composition/analysis';
import { ApiError } from '../../lambda/core/errors';
import { milliseconds, percent, range } from '../../lambda/core/report/format';
import type { Report } from '../../lambda/core/report/types';
import { parseReportRequest, type ReportRequest } from '../../lambda/core/report-request';
import type { Interval } from '../../lambda/core/stats/interval';
import type { ReportAnswerBody } from '../../lambda/use-cases/ports/report';
import { reportFor } from '../../lambda/use-cases/report-for';
import type { RolloutStatus } from '../../lambda/use-cases/rollout/manage-rollout';
import { resourceNames } from '../../lib/config/resource-names';
import { resolveStage } from '../../lib/config/stages';
import { renderHtmlReport } from '../html/render-report';
import { CliError, type Target } from '../target';
import { rolloutStatusOf, rolloutSummary } from './rollout';

export interface ReportFlags {
  readonly experiment?: string | undefined;
  readonly since?: string | undefined;
  readonly hours?: string | undefined;
  readonly candidate?: string | undefined;
  readonly json?: boolean | undefined;
  readonly html?: string | undefined;
}

/** A report plus, against AWS, the stage's alarms that are firing now. */
export interface ReportWithAlarms extends Report {
  readonly scope?: ReportAnswerBody['scope'];
  readonly analysis?: {
    readonly status: string;
    readonly completedAt?: string;
    readonly ageSeconds?: number;
  };
  readonly alarmsInAlarm?: readonly string[];
  /** The current or last progressive rollout (absent when none was started). */
  readonly rollout?: RolloutStatus;
}

/** The rollout next to the report; a report never fails because the rollout cannot be read. */
async function rolloutOf(target: Target): Promise<RolloutStatus | undefined> {
  try {
    const status = await rolloutStatusOf(target);
    return status.state === 'none' ? undefined : status;
  } catch {
    return undefined;
  }
}

/** Where progress goes while an analysis runs (stderr, so `--json` output stays clean). */
export type ProgressSink = (text: string) => void;

/** How long the CLI waits for an analysis in all. */
const MAX_WAIT_MS = 15 * 60_000;

/**
 * `report`: the evidence and verdict of the experiment in force since its start (or
 * `--experiment`, `--since`; `--hours` is a descriptive trailing window), as a table (default),
 * JSON (`--json`) or a page (`--html FILE`). The same `reportFor` as `GET /report`: through the
 * API in local mode, in this process against a stage (Athena in the stage's workgroup).
 */
export async function report(
  target: Target,
  flags: ReportFlags,
  progress: ProgressSink = () => undefined,
): Promise<string> {
  const request = checkReportFlags(flags);
  const [built, rollout] = await Promise.all([
    target.kind === 'local' ? fromLocalMode(target, request, progress) : fromAws(target, request, progress),
    rolloutOf(target),
  ]);
  const data: ReportWithAlarms = rollout === undefined ? built : { ...built, rollout };
  if (flags.html !== undefined) {
    try {
      writeFileSync(flags.html, renderHtmlReport(data, { title: `shadow-rollout report: ${target.label}` }));
    } catch (error) {
      throw new CliError(`cannot write ${flags.html}: ${(error as Error).message}`);
    }
  }
  if (flags.json) return JSON.stringify(data, null, 2);
  const text = renderReport(data, target.label);
  return flags.html === undefined ? text : `${text}\n\nWrote ${flags.html}`;
}

/**
 * Checks the flags before anything is read, so a typo costs no query: the request by the API's
 * rules (one place: parseReportRequest), and that the page can be written where asked.
 */
export function checkReportFlags(flags: ReportFlags): ReportRequest {
  const request = requestOf(flags);
  if (flags.html !== undefined) checkWritable(flags.html);
  return request;
}

function checkWritable(file: string): void {
  const path = resolve(file);
  const folder = dirname(path);
  const stat = statSync(folder, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isDirectory())
    throw new CliError(
      `cannot write ${file}: the folder ${folder} does not exist (create it, or pick another path)`,
    );
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError(`cannot write ${file}: it is a folder; give a file name such as report.html`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new CliError(`cannot write ${file}: no permission to write in ${folder}`);
  }
}

/** The flags checked by the same rules as the API's query (one place: parseReportRequest). */
function requestOf(flags: ReportFlags): ReportRequest {
  try {
    return parseReportRequest({
      experiment: flags.experiment,
      since: flags.since,
      hours: flags.hours,
      candidate: flags.candidate,
    });
  } catch (error) {
    if (error instanceof ApiError) {
      // The API's words for its query parameters, as the flags they are here.
      const problems = error.message
        .replace(/^Invalid report request: /, '')
        .replace(/(^|; |give |or )(experiment|since|candidate|hours)\b/g, '$1--$2');
      throw new CliError(`${problems} (see --help)`);
    }
    throw error;
  }
}

/** `GET /report` on local mode; a 202 (analysis still running) is polled, with progress. */
async function fromLocalMode(
  target: Target,
  request: ReportRequest,
  progress: ProgressSink,
): Promise<ReportWithAlarms> {
  const url = new URL('/report', target.url);
  for (const [key, value] of Object.entries(request)) url.searchParams.set(key, String(value));
  const started = Date.now();
  for (;;) {
    const response = await fetch(url, { signal: AbortSignal.timeout(60_000) }).catch((error: Error) => {
      throw new CliError(
        `cannot reach local mode at ${target.url} (${error.message}); start it with npm start`,
      );
    });
    const body = (await response.json().catch(() => ({}))) as ReportWithAlarms & {
      error?: { message: string };
      analysis?: { retryAfterSeconds?: number };
    };
    if (response.status === 202) {
      const waited = Math.round((Date.now() - started) / 1000);
      if (Date.now() - started > MAX_WAIT_MS)
        throw new CliError(`the analysis is still running after ${waited} s; try again later`);
      progress(`analysis running… ${waited} s`);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(2000, 1000 * (body.analysis?.retryAfterSeconds ?? 1))),
      );
      continue;
    }
    // A 4xx is the user's mistake, said by the API in one line.
    if (response.status >= 400 && response.status < 500 && body.error?.message)
      throw new CliError(body.error.message);
    if (!response.ok) throw new CliError(`the report failed: ${body.error?.message ?? response.status}`);
    return body;
  }
}

/** Against a stage the CLI runs the same use case itself: Athena in the stage's workgroup. */
async function fromAws(
  target: Target,
  request: ReportRequest,
  progress: ProgressSink,
): Promise<ReportWithAlarms> {
  const stage = resolveStage(target.stage);
  const names = resourceNames(stage);
  const engine = await analysisEngine({
    kind: 'athena',
    workGroup: names.analysisWorkGroup,
    database: names.evidenceDatabase,
  });
  const started = Date.now();
  const [answer, alarmsInAlarm] = await Promise.all([
    reportFor(
      request,
      {
        engine,
        experiments: runtimeConfigExperiments(() => target.runtimeConfig.read(), target.deployTime),
        cache: new InMemoryAnalysisCache(),
        guardrails: target.guardrails,
        now: () => new Date(),
      },
      {
        // The CLI waits for the analysis itself, showing progress.
        answerWithinMs: MAX_WAIT_MS,
        analysisTimeoutMs: MAX_WAIT_MS,
        maxLookbackDays: 31,
        onProgress: (fraction) =>
          progress(
            `analysis running… ${Math.round(fraction * 100)}% (${Math.round((Date.now() - started) / 1000)} s)`,
          ),
      },
    ).catch((error: unknown) => {
      if (error instanceof ApiError) throw new CliError(error.message);
      throw error;
    }),
    firingAlarms(names.alarmPrefix, target.region),
  ]);
  if (answer.status === 'pending') throw new CliError('the analysis is still running; try again later');
  return { ...answer.report, alarmsInAlarm };
}

async function firingAlarms(prefix: string, region: string | undefined): Promise<string[]> {
  const cloudwatch = new CloudWatchClient(region === undefined ? {} : { region });
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, StateValue: 'ALARM', NextToken }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])])
      if (alarm.AlarmName) names.push(alarm.AlarmName);
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

const STATUS_MARK: Record<string, string> = {
  met: 'ok',
  violated: 'FAIL',
  undecided: '..',
  not_applicable: '-',
};

function table(rows: readonly (readonly string[])[]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

const interval = (value: Interval, format: (v: number | null) => string) =>
  `${format(value.estimate)} ${range(value.lower, value.upper, format)}`;

/** The terminal rendering: the verdict first, then the evidence behind it. */
export function renderReport(data: ReportWithAlarms, label: string): string {
  const lines: string[] = [];
  const v = data.verdict;
  lines.push(
    `Verdict for ${data.candidate.endpoint ?? '(no candidate)'} vs ${data.production.endpoint ?? '(no production)'} on ${label}: ${v.decision}`,
  );
  // The experiment right under the verdict: what the verdict covers, from when.
  const experiment = data.experiment;
  if (experiment !== undefined)
    lines.push(
      data.scope === 'trailing-window'
        ? `  trailing window of experiment ${experiment.id} from ${experiment.since}: descriptive only, no verdict`
        : `  experiment ${experiment.id} since ${experiment.since} (canary ${experiment.canaryPercent}% of users, sample rate ${percent(experiment.sampleRate)}): the verdict covers this configuration from its start${data.window.to ? ` to ${data.window.to}` : ''}`,
    );
  if (data.invalidRecords > 0)
    lines.push(
      `  ${data.invalidRecords} records with impossible data (negative or non-finite latency) left out`,
    );
  for (const reason of v.reasons) lines.push(`  - ${reason}`);
  if (data.rollout) lines.push('', ...rolloutSummary(data.rollout));
  if (v.notReachable && Object.keys(v.notReachable).length > 0) {
    for (const [g, why] of Object.entries(v.notReachable)) lines.push(`  ${g}: ${why}`);
  }
  if (v.samplesNeeded && Object.keys(v.samplesNeeded).length > 0) {
    lines.push(
      `  samples still needed: ${Object.entries(v.samplesNeeded)
        .map(([g, n]) => `${g} ${n}`)
        .join(', ')}`,
    );
  }
  if (data.alarmsInAlarm && data.alarmsInAlarm.length > 0)
    lines.push(`  alarms firing now: ${data.alarmsInAlarm.join(', ')}`);
  if (data.analysis?.status === 'stale')
    lines.push(`  last completed analysis, ${data.analysis.ageSeconds} s old (a newer one is running)`);
  lines.push(
    '',
    `Window ${data.window.from ?? '-'} .. ${data.window.to ?? '-'} (${data.phase}); ${data.samples.records} records, ${data.samples.comparisons} comparisons, ${data.samples.outcomes} outcomes; intervals at ${percent(1 - data.alpha)}`,
    '',
    'Guardrails (always-valid intervals: safe to look at any time)',
    ...table([
      ['', 'guardrail', 'measure', 'estimate [interval]', 'threshold', 'samples', 'more needed'],
      ...data.guardrails.map((g) => [
        STATUS_MARK[g.status] ?? g.status,
        g.blocking === false ? `${g.guardrail} (evidence only)` : g.guardrail,
        g.measure,
        interval(g.evidence, (x) => (x === null ? 'n/a' : String(Math.round(x * 1000) / 1000))),
        String(g.threshold),
        `${g.samples} ${g.unit}`,
        g.samplesNeeded !== undefined
          ? String(g.samplesNeeded)
          : g.notReachable !== undefined
            ? 'not reachable'
            : '',
      ]),
    ]),
    '',
    'Latency (every counted call; failures at the timeout)',
    ...table([
      ['', 'p50', 'p90', 'p99', 'calls'],
      [
        'production',
        milliseconds(data.latency.production.p50.estimate),
        milliseconds(data.latency.production.p90.estimate),
        milliseconds(data.latency.production.p99.estimate),
        String(data.latency.production.count),
      ],
      [
        'candidate',
        milliseconds(data.latency.candidate.p50.estimate),
        milliseconds(data.latency.candidate.p90.estimate),
        milliseconds(data.latency.candidate.p99.estimate),
        String(data.latency.candidate.count),
      ],
      [
        'difference',
        interval(data.latency.delta.p50, milliseconds),
        interval(data.latency.delta.p90, milliseconds),
        interval(data.latency.delta.p99, milliseconds),
        '',
      ],
    ]),
    '',
    'Errors and agreement',
    ...table([
      [
        'production errors',
        interval(data.errors.production, percent),
        `${data.errors.production.successes}/${data.errors.production.trials}`,
      ],
      [
        'candidate errors',
        interval(data.errors.candidate, percent),
        `${data.errors.candidate.successes}/${data.errors.candidate.trials}`,
      ],
      [
        'agreement',
        interval(data.agreement.candidate, percent),
        `${data.agreement.candidate.successes}/${data.agreement.candidate.trials}`,
      ],
      ...(data.agreement.noiseBaseline
        ? [
            [
              'production vs itself',
              interval(data.agreement.noiseBaseline, percent),
              `${data.agreement.noiseBaseline.successes}/${data.agreement.noiseBaseline.trials}`,
            ],
          ]
        : []),
    ]),
  );
  if (data.conversion) {
    lines.push(
      '',
      'Conversion per served variant',
      ...table([
        [
          'production',
          interval(data.conversion.production, percent),
          `${data.conversion.production.successes}/${data.conversion.production.trials}`,
        ],
        [
          'canary',
          interval(data.conversion.canary, percent),
          `${data.conversion.canary.successes}/${data.conversion.canary.trials}`,
        ],
        ['canary - production', interval(data.conversion.difference.difference, percent), ''],
      ]),
    );
  }
  if (data.accuracy) {
    lines.push(
      '',
      'Accuracy against labels',
      ...table([
        ['production', interval(data.accuracy.production, percent)],
        ['candidate', interval(data.accuracy.candidate, percent)],
      ]),
    );
  }
  if (data.agreement.reasons.length > 0) {
    lines.push('', 'Most frequent disagreements');
    for (const r of data.agreement.reasons.slice(0, 5))
      lines.push(`  ${String(r.count).padStart(6)}  ${r.reason}`);
  }
  return lines.join('\n');
}
