import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ComparisonStore } from '../../lambda/adapters/comparison-store';
import { buildReport } from '../../lambda/core/report';
import { unknownCandidateProblem } from '../../lambda/core/report/candidate-selection';
import { milliseconds, percent, range } from '../../lambda/core/report/format';
import type { Report } from '../../lambda/core/report/types';
import type { Interval } from '../../lambda/core/stats/interval';
import type { RolloutStatus } from '../../lambda/use-cases/rollout/manage-rollout';
import { resourceNames } from '../../lib/config/resource-names';
import { resolveStage } from '../../lib/config/stages';
import { renderHtmlReport } from '../html/render-report';
import { CliError, type Target } from '../target';
import { rolloutStatusOf, rolloutSummary } from './rollout';

export interface ReportFlags {
  readonly hours?: string | undefined;
  readonly candidate?: string | undefined;
  readonly json?: boolean | undefined;
  readonly html?: string | undefined;
}

/** A report plus, against AWS, the stage's alarms that are firing now. */
export interface ReportWithAlarms extends Report {
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

const MAX_WINDOW_HOURS = 24 * 31;

/**
 * Checks the flags before anything is read, so a typo costs no query: the window, the candidate
 * name, and that the page can be written where asked.
 */
export function checkReportFlags(flags: ReportFlags): number {
  const hours = flags.hours === undefined ? 24 : Number(flags.hours);
  if (flags.hours?.trim() === '' || !Number.isFinite(hours) || hours <= 0 || hours > MAX_WINDOW_HOURS)
    throw new CliError(
      `--hours must be a positive number of hours, at most ${MAX_WINDOW_HOURS}, got "${flags.hours}"`,
    );
  if (flags.candidate !== undefined && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(flags.candidate))
    throw new CliError(
      `--candidate must be a SageMaker endpoint name, got "${flags.candidate.slice(0, 80)}"`,
    );
  if (flags.html !== undefined) checkWritable(flags.html);
  return hours;
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

/** `report`: the evidence and verdict, as a table (default), JSON (`--json`) or a page (`--html FILE`). */
export async function report(target: Target, flags: ReportFlags): Promise<string> {
  const hours = checkReportFlags(flags);
  const [built, rollout] = await Promise.all([
    target.kind === 'local'
      ? fromLocalMode(target, hours, flags.candidate)
      : fromAws(target, hours, flags.candidate),
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

async function fromLocalMode(
  target: Target,
  hours: number,
  candidate: string | undefined,
): Promise<ReportWithAlarms> {
  const url = new URL('/report', target.url);
  url.searchParams.set('hours', String(hours));
  if (candidate) url.searchParams.set('candidate', candidate);
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) }).catch((error: Error) => {
    throw new CliError(
      `cannot reach local mode at ${target.url} (${error.message}); start it with npm start`,
    );
  });
  const body = (await response.json().catch(() => ({}))) as ReportWithAlarms & {
    error?: { message: string };
  };
  if (response.status >= 400 && response.status < 500 && body.error?.message)
    throw new CliError(body.error.message);
  if (!response.ok) throw new CliError(`the report failed: ${body.error?.message ?? response.status}`);
  return body;
}

/** Against AWS the CLI reads the records itself and builds the report with the same core. */
async function fromAws(
  target: Target,
  hours: number,
  candidate: string | undefined,
): Promise<ReportWithAlarms> {
  const stage = resolveStage(target.stage);
  const now = new Date();
  const store = new ComparisonStore(target.documentClient, target.comparisonTable);
  const [records, alarmsInAlarm] = await Promise.all([
    store.listWindow(new Date(now.getTime() - hours * 3_600_000), now),
    firingAlarms(resourceNames(stage).alarmPrefix, target.region),
  ]);
  const unknown = unknownCandidateProblem(records, candidate);
  if (unknown !== undefined) throw new CliError(unknown);
  const built = buildReport(records, target.guardrails, {
    now,
    ...(target.comparator ? { comparator: target.comparator } : {}),
    ...(candidate ? { candidate } : {}),
  });
  return { ...built, alarmsInAlarm };
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
  const e = data.experiment;
  lines.push(
    `  experiment ${e.id} since ${e.since} (canary ${e.canaryPercent}% of users, sample rate ${percent(e.sampleRate)}): the verdict covers this configuration from its start${data.window.to ? ` to ${data.window.to}` : ''}`,
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
