import type { TimeBucket } from '../../../lambda/core/report/types';
import type { Proportion } from '../../../lambda/core/stats/proportions';
import { count, percent, percentTick, utc } from '../format';
import { html, type SafeHtml } from '../safe-html';
import { type LinearScale, linearScale, niceDomain, px, ticks, timeTicks } from '../scale';
import { axisTitle, baseline, chartSvg, emptyState, type Plot, type SeriesKey, xGrid, yGrid } from './frame';

const WIDTH = 960;
const MARGIN = { left: 52, right: 16, bottom: 44 };
/** Room after the last panel for the names and values of reference lines. */
const REFERENCE_LABELS = 84;
const PANEL_GAP = 28;

export interface TimelineSeries {
  readonly key: SeriesKey;
  readonly label: string;
  /** Panel heading when the chart has several panels, e.g. "Production · churn-v1". */
  readonly heading?: string;
  readonly values: (bucket: TimeBucket) => Proportion;
}

export interface ReferenceLine {
  readonly key: 'limit' | 'baseline';
  readonly value: number;
  /** Short, drawn at the right end of the line with its value: "minimum", "noise baseline". */
  readonly name: string;
  /** For the chart's description: "minimum agreement 90%". */
  readonly label: string;
}

export interface TimelineChart {
  readonly chart: string;
  readonly title: string;
  readonly buckets: readonly TimeBucket[];
  readonly bucketMinutes: number;
  readonly series: readonly TimelineSeries[];
  /** `overlay`: every series on one plot; `panels`: one plot per series, side by side, same axes. */
  readonly layout: 'overlay' | 'panels';
  readonly references: readonly ReferenceLine[];
  /** `agreement`: the axis ends at 100% and starts below the lowest value; `errors`: starts at 0. */
  readonly axis: 'agreement' | 'errors';
  /** What "trials" are, for tooltips: "comparisons", "calls". */
  readonly unit: string;
  readonly empty: string;
}

export interface Point {
  readonly t: number;
  readonly bucket: TimeBucket;
  readonly p: Proportion & { readonly estimate: number };
}

interface SeriesPoints {
  readonly series: TimelineSeries;
  readonly points: readonly Point[];
}

/**
 * A rate per time bucket: a line through the bucket estimates, broken where a bucket has no
 * trials, over a band of the per-bucket Wilson intervals (a whisker for an isolated bucket).
 * Bands are clipped to the plot, since a bucket with a handful of trials spans most of [0, 1];
 * series whose bands would overlap into a blur go in panels side by side instead.
 */
export function timelineChart(options: TimelineChart): SafeHtml {
  const { chart, buckets, bucketMinutes, references } = options;
  const width = bucketMinutes * 60_000;
  const perSeries: SeriesPoints[] = options.series.map((s) => ({
    series: s,
    points: buckets
      .map((bucket) => ({ t: Date.parse(bucket.start) + width / 2, bucket, p: s.values(bucket) }))
      .filter((point): point is Point => point.p.estimate !== null && Number.isFinite(point.t)),
  }));
  const all = perSeries.flatMap((s) => s.points);
  if (buckets.length === 0 || all.length === 0) return emptyState(chart, options.empty);

  const panels = options.layout === 'panels' ? perSeries.map((s) => [s]) : [perSeries];
  const titled = options.layout === 'panels';
  const height = titled ? 270 : 250;
  const top = titled ? 34 : 14;
  const from = Date.parse(buckets[0]?.start ?? '');
  const to = Date.parse(buckets.at(-1)?.start ?? '') + width;
  const domain = valueDomain(options.axis, all, references);
  const panelWidth = (WIDTH - REFERENCE_LABELS - PANEL_GAP * (panels.length - 1)) / panels.length;
  const timeValues = timeTicks(from, to, panels.length > 1 ? 4 : 7);

  const body = panels.map((panel, index) => {
    const left = index * (panelWidth + PANEL_GAP);
    const plot: Plot = {
      left: left + MARGIN.left,
      right: left + panelWidth - (index === panels.length - 1 ? 0 : MARGIN.right),
      top,
      bottom: height - MARGIN.bottom,
    };
    const x = linearScale([from, to], [plot.left, plot.right]);
    const y = linearScale(domain, [plot.bottom, plot.top]);
    const clip = `${chart}-clip-${index}`;
    const layers = panel.map((s) => seriesLayer(s, x, y, buckets, options.unit));
    const last = index === panels.length - 1;
    const referenceLines = references
      .filter((r) => r.value >= domain[0] && r.value <= domain[1])
      .map(
        (r) =>
          html`<g class="reference ${r.key}"><line x1="${plot.left}" x2="${plot.right}" y1="${px(y(r.value))}" y2="${px(y(r.value))}"/>${last ? html`<text x="${plot.right + 6}" y="${px(y(r.value))}" dy="0.32em"><tspan class="reference-name">${r.name}</tspan><tspan x="${plot.right + 6}" dy="1.2em">${percent(r.value)}</tspan></text>` : null}</g>`,
      );
    const heading = titled
      ? html`<text class="panel-title" x="${plot.left}" y="14"><tspan class="swatch-text ${panel[0]?.series.key ?? ''}">■</tspan> ${panel[0]?.series.heading ?? panel[0]?.series.label ?? ''}</text>`
      : null;
    return html`<g class="panel" data-series="${panel.map((s) => s.series.key).join(' ')}">${heading}<defs><clipPath id="${clip}"><rect x="${plot.left}" y="${plot.top}" width="${px(plot.right - plot.left)}" height="${plot.bottom - plot.top}"/></clipPath></defs>${yGrid(y, ticks(domain[0], domain[1], 4), plot, percentTick)}${xGrid(x, timeValues, plot, timeLabel(timeValues, from, to))}${baseline(plot)}<g clip-path="url(#${clip})">${layers.map((l) => l.bands)}</g>${referenceLines}${layers.map((l) => l.lines)}${layers.map((l) => l.dots)}${last ? axisTitle('time (UTC)', plot.right, height - 4, 'end') : null}</g>`;
  });

  return chartSvg({
    chart,
    id: chart,
    width: WIDTH,
    height,
    title: options.title,
    description: `${buckets.length} buckets of ${bucketMinutes} minutes from ${utc(buckets[0]?.start ?? null)}. ${perSeries.map(describe).join(' ')} ${references.map((r) => r.label).join('; ')}.`,
    body,
  });
}

/**
 * The value axis covers every estimate, every reference line and every interval band whole (a
 * band cut at the axis would hide how uncertain a bucket is); rates stay within [0, 1].
 */
export function valueDomain(
  axis: TimelineChart['axis'],
  points: readonly Point[],
  references: readonly ReferenceLine[],
): [number, number] {
  const estimates = points.map((point) => point.p.estimate);
  const refs = references.map((r) => r.value);
  if (axis === 'agreement') {
    const lowers = points.map((point) => point.p.lower ?? point.p.estimate);
    const low = Math.min(...estimates, ...lowers, ...refs);
    return [Math.max(0, niceDomain(Math.max(0, low - 0.02), 1, 4)[0]), 1];
  }
  const uppers = points.map((point) => point.p.upper ?? point.p.estimate);
  const high = Math.max(...estimates.map((e) => e * 1.1), ...uppers, ...refs.map((r) => r * 1.2), 0.005);
  return [0, Math.min(1, niceDomain(0, high, 4)[1])];
}

function seriesLayer(
  { series: s, points }: SeriesPoints,
  x: LinearScale,
  y: LinearScale,
  buckets: readonly TimeBucket[],
  unit: string,
) {
  const runs = contiguousRuns(points, buckets);
  const clamp = (v: number | null, fallback: number) => (v === null ? fallback : v);
  const bands = runs.map((run) => {
    if (run.length === 1) {
      const [only] = run as [Point];
      const at = px(x(only.t));
      const lo = px(y(clamp(only.p.lower, 0)));
      const hi = px(y(clamp(only.p.upper, 1)));
      return html`<path class="band-whisker ${s.key}" data-mark="band" data-series="${s.key}" d="M${at - 3} ${lo}h6M${at} ${lo}V${hi}M${at - 3} ${hi}h6"/>`;
    }
    const upper = run.map((point) => `${px(x(point.t))} ${px(y(clamp(point.p.upper, 1)))}`);
    const lower = [...run].reverse().map((point) => `${px(x(point.t))} ${px(y(clamp(point.p.lower, 0)))}`);
    return html`<path class="band ${s.key}" data-mark="band" data-series="${s.key}" d="M${upper.join('L')}L${lower.join('L')}Z"/>`;
  });
  const lines = runs
    .filter((run) => run.length > 1)
    .map(
      (run) =>
        html`<path class="line ${s.key}" data-mark="line" data-series="${s.key}" d="M${run.map((point) => `${px(x(point.t))} ${px(y(point.p.estimate))}`).join('L')}"/>`,
    );
  const radius = points.length > 40 ? 2.2 : 3.2;
  const dots = points.map(
    (point) =>
      html`<circle class="point ${s.key}" data-mark="point" data-series="${s.key}" cx="${px(x(point.t))}" cy="${px(y(point.p.estimate))}" r="${radius}"><title>${utc(point.bucket.start)}, ${s.label}: ${percent(point.p.estimate)} [${percent(point.p.lower)}, ${percent(point.p.upper)}], ${count(point.p.successes)} of ${count(point.p.trials)} ${unit}</title></circle>`,
  );
  return { bands, lines, dots };
}

/** `HH:MM` under each tick, with the date under the first tick and wherever the day changes. */
function timeLabel(values: readonly number[], from: number, to: number) {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const spansDays = day(from) !== day(to - 1);
  return (t: number, index: number): string[] => {
    const text = new Date(t).toISOString();
    const previous = values[index - 1];
    const newDay = index === 0 || (spansDays && previous !== undefined && day(previous) !== day(t));
    return newDay ? [text.slice(11, 16), text.slice(5, 10)] : [text.slice(11, 16)];
  };
}

function describe({ series: s, points }: SeriesPoints): string {
  if (points.length === 0) return `${s.label}: no data.`;
  const successes = points.reduce((sum, point) => sum + point.p.successes, 0);
  const trials = points.reduce((sum, point) => sum + point.p.trials, 0);
  const lowest = points.reduce((a, b) => (b.p.estimate < a.p.estimate ? b : a));
  const highest = points.reduce((a, b) => (b.p.estimate > a.p.estimate ? b : a));
  return `${s.label}: ${percent(trials === 0 ? null : successes / trials)} overall over ${points.length} buckets, from ${percent(lowest.p.estimate)} (${utc(lowest.bucket.start)}) to ${percent(highest.p.estimate)} (${utc(highest.bucket.start)}).`;
}

/** Points of consecutive buckets; a bucket without trials breaks the line. */
function contiguousRuns(points: readonly Point[], buckets: readonly TimeBucket[]): Point[][] {
  const runs: Point[][] = [];
  let current: Point[] = [];
  let next = 0;
  for (const bucket of buckets) {
    const point = points[next];
    if (point !== undefined && point.bucket === bucket) {
      current.push(point);
      next += 1;
    } else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
