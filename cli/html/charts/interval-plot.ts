import type { Interval } from '../../../lambda/core/stats/interval';
import type { Proportion } from '../../../lambda/core/stats/proportions';
import { count, percent, percentTick, points, pointsTick, withInterval } from '../format';
import { html, type SafeHtml } from '../safe-html';
import { type LinearScale, linearScale, niceDomain, px, ticks } from '../scale';
import { baseline, chartSvg, type Plot, type SeriesKey, xGrid } from './frame';

const WIDTH = 470;
const LABEL_WIDTH = 132;
const ROW = 38;

export interface IntervalRow {
  readonly key: SeriesKey;
  readonly label: string;
  readonly value: Proportion;
}

export interface IntervalPlot {
  readonly chart: string;
  readonly title: string;
  /** The rates per group, each with its interval. */
  readonly rows: readonly IntervalRow[];
  /** Second minus first, with its interval, and optionally the worst difference allowed. */
  readonly difference: {
    readonly label: string;
    readonly value: Interval;
    readonly limit?: { readonly value: number; readonly label: string };
  };
}

/**
 * Rates per group as points with interval whiskers on a shared axis, and below it their
 * difference on its own axis around zero: a forest plot, read at a glance.
 */
export function intervalPlot(options: IntervalPlot): SafeHtml {
  const { chart, rows, difference } = options;
  const rateTop = 10;
  const rateBottom = rateTop + rows.length * ROW;
  const diffTop = rateBottom + 46;
  const diffBottom = diffTop + ROW;
  const height = diffBottom + 30;
  const ratePlot: Plot = { left: LABEL_WIDTH, right: WIDTH - 18, top: rateTop, bottom: rateBottom };
  const diffPlot: Plot = { left: LABEL_WIDTH, right: WIDTH - 18, top: diffTop, bottom: diffBottom };

  const bounds = rows.flatMap((r) => [r.value.lower, r.value.upper, r.value.estimate]).filter(isNumber);
  const [r0, r1] = niceDomain(Math.min(...bounds, 1), Math.max(...bounds, 0), 4);
  const rateDomain: [number, number] = bounds.length === 0 ? [0, 1] : [Math.max(0, r0), Math.min(1, r1)];
  const xRate = linearScale(rateDomain, [ratePlot.left, ratePlot.right]);

  const diffValues = [
    difference.value.lower,
    difference.value.upper,
    difference.value.estimate,
    0,
    difference.limit?.value,
  ].filter(isNumber);
  const spread = Math.max(...diffValues.map(Math.abs), 0.005);
  const diffDomain = niceDomain(
    Math.min(-spread * 0.25, ...diffValues),
    Math.max(spread * 0.25, ...diffValues),
    4,
  );
  const xDiff = linearScale(diffDomain, [diffPlot.left, diffPlot.right]);

  const rateRows = rows.map((row, i) => {
    const mid = rateTop + i * ROW + ROW / 2;
    const label = html`<text class="row-label" x="0" y="${px(mid - 3)}"><tspan class="swatch-text ${row.key}">●</tspan> ${row.label}</text><text class="row-sub" x="14" y="${px(mid + 11)}">${row.value.trials === 0 ? 'no outcomes yet' : `${count(row.value.successes)} of ${count(row.value.trials)}`}</text>`;
    return html`${label}${estimateMark(xRate, mid, row.value, row.key, `${row.label}: ${withInterval(row.value, percent)}, ${count(row.value.successes)} of ${count(row.value.trials)}`, percent)}`;
  });
  const diffMid = diffTop + ROW / 2;
  const limit = difference.limit;
  const diffBody = html`<line class="zero" x1="${px(xDiff(0))}" x2="${px(xDiff(0))}" y1="${diffTop}" y2="${diffBottom}"/>${
    limit === undefined
      ? null
      : html`<g class="limit"><line x1="${px(xDiff(limit.value))}" x2="${px(xDiff(limit.value))}" y1="${diffTop - 4}" y2="${diffBottom}"/><text x="${px(xDiff(limit.value))}" y="${diffTop - 8}" text-anchor="middle">${limit.label}</text></g>`
  }<text class="row-label" x="0" y="${px(diffMid - 3)}">difference</text><text class="row-sub" x="0" y="${px(diffMid + 11)}">${difference.label}</text>${estimateMark(xDiff, diffMid, difference.value, 'difference', `${difference.label}: ${withInterval(difference.value, points)}`, points)}`;

  const describe = rows.map(
    (r) =>
      `${r.label} ${withInterval(r.value, percent)} (${count(r.value.successes)} of ${count(r.value.trials)})`,
  );
  return chartSvg({
    chart,
    id: chart,
    width: WIDTH,
    height,
    title: options.title,
    description: `${describe.join('; ')}. ${difference.label}: ${withInterval(difference.value, points)}${limit ? `; ${limit.label}` : ''}.`,
    body: html`${xGrid(xRate, ticks(rateDomain[0], rateDomain[1], 5), ratePlot, percentTick)}${baseline(ratePlot)}${rateRows}${xGrid(xDiff, ticks(diffDomain[0], diffDomain[1], 4), diffPlot, pointsTick)}${baseline(diffPlot)}${diffBody}`,
  });
}

function estimateMark(
  x: LinearScale,
  y: number,
  value: Interval,
  key: SeriesKey | 'difference',
  tooltip: string,
  format: (v: number | null) => string,
) {
  if (value.estimate === null) {
    return html`<text class="no-data" x="${px((x.range[0] + x.range[1]) / 2)}" y="${px(y + 4)}" text-anchor="middle">n/a</text>`;
  }
  const [left, right] = x.range;
  const clampX = (v: number) => Math.min(right, Math.max(left, x(v)));
  const lo = px(clampX(value.lower ?? x.domain[0]));
  const hi = px(clampX(value.upper ?? x.domain[1]));
  const at = px(x(value.estimate));
  const capLower = value.lower === null ? '' : `M${lo} ${y - 6}v12`;
  const capUpper = value.upper === null ? '' : `M${hi} ${y - 6}v12`;
  return html`<g class="interval-mark ${key}"><path class="whisker ${key}" data-mark="whisker" data-series="${key}" d="${capLower}M${lo} ${y}H${hi}${capUpper}"/><circle class="point ${key}" data-mark="point" data-series="${key}" cx="${at}" cy="${y}" r="5.5"><title>${tooltip}</title></circle><text class="value-label" x="${at}" y="${y - 10}" text-anchor="middle">${format(value.estimate)}</text></g>`;
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
