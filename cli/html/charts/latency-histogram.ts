import type { LatencySummary, Report } from '../../../lambda/core/report/types';
import { count, milliseconds, percent, percentTick } from '../format';
import { html, type SafeHtml } from '../safe-html';
import { linearScale, niceDomain, px, ticks } from '../scale';
import { axisTitle, baseline, chartSvg, emptyState, type Plot, xGrid, yGrid } from './frame';

const WIDTH = 960;
const HEIGHT = 300;
const GAP = 40;
const MARGIN = { left: 46, right: 10, top: 62, bottom: 42 };
const MARKERS = ['p50', 'p90', 'p99'] as const;

export const LATENCY_HISTOGRAM = 'latency-histogram';

interface Panel {
  readonly series: 'production' | 'candidate';
  readonly label: string;
  readonly counts: readonly number[];
  readonly summary: LatencySummary;
}

/**
 * Production and candidate latency distributions side by side on the same bins and axes, as
 * shares of each model's successful calls (the two see different numbers of calls), with p50,
 * p90 and p99 marked and the p99 limit drawn when it falls on the axis.
 */
export function latencyHistogram(report: Report, p99LimitMs: number | null): SafeHtml {
  const { histogram, production, candidate } = report.latency;
  const { edges } = histogram;
  const first = edges[0];
  const last = edges.at(-1);
  if (first === undefined || last === undefined || edges.length < 2) {
    return emptyState(
      LATENCY_HISTOGRAM,
      'No successful calls yet: latency distributions appear with the first answers.',
    );
  }
  const panels: Panel[] = [
    { series: 'production', label: 'Production', counts: histogram.production, summary: production },
    { series: 'candidate', label: 'Candidate', counts: histogram.candidate, summary: candidate },
  ];
  const shares = panels.map((p) => {
    const total = p.counts.reduce((a, b) => a + b, 0);
    return p.counts.map((c) => (total === 0 ? 0 : c / total));
  });
  const [, yMax] = niceDomain(0, Math.max(0.01, ...shares.flat()), 4);
  const panelWidth = (WIDTH - GAP) / 2;
  const limit = p99LimitMs !== null && p99LimitMs >= first && p99LimitMs <= last ? p99LimitMs : null;

  const body = panels.map((panel, index) => {
    const offset = index * (panelWidth + GAP);
    const plot: Plot = {
      left: offset + MARGIN.left,
      right: offset + panelWidth - MARGIN.right,
      top: MARGIN.top,
      bottom: HEIGHT - MARGIN.bottom,
    };
    const x = linearScale([first, last], [plot.left, plot.right]);
    const y = linearScale([0, yMax], [plot.bottom, plot.top]);
    const share = shares[index] ?? [];
    const bars = share.map((s, bin) => {
      const c = panel.counts[bin] ?? 0;
      if (c === 0) return null;
      const x0 = x(edges[bin] ?? first);
      const x1 = x(edges[bin + 1] ?? last);
      const lastBin = bin === share.length - 1;
      const range = `${milliseconds(edges[bin] ?? first)} ${lastBin ? 'and slower' : `to ${milliseconds(edges[bin + 1] ?? last)}`}`;
      return html`<rect class="bar ${panel.series}" data-mark="bar" data-series="${panel.series}" data-bin="${bin}" x="${px(x0 + 0.5)}" y="${px(y(s))}" width="${px(Math.max(1, x1 - x0 - 1))}" height="${px(Math.max(0.5, plot.bottom - y(s)))}"><title>${range}: ${count(c)} calls (${percent(s)})</title></rect>`;
    });
    const markers = MARKERS.map((name, row) => {
      const value = panel.summary[name].estimate;
      if (value === null) return null;
      const at = px(x(value));
      const labelY = MARGIN.top - 38 + row * 13;
      const flip = at > plot.right - 90;
      return html`<g class="marker ${name}" data-marker="${name}"><line x1="${at}" x2="${at}" y1="${labelY + 3}" y2="${plot.bottom}"/><text x="${flip ? at - 4 : at + 4}" y="${labelY}" dy="0.32em" text-anchor="${flip ? 'end' : 'start'}"><tspan class="marker-name">${name}</tspan> ${milliseconds(value)}</text></g>`;
    });
    const limitLine =
      limit === null
        ? null
        : html`<g class="limit"><line x1="${px(x(limit))}" x2="${px(x(limit))}" y1="${plot.top}" y2="${plot.bottom}"/><text x="${px(x(limit)) - 4}" y="${plot.top + 10}" text-anchor="end">p99 limit</text></g>`;
    const total = panel.counts.reduce((a, b) => a + b, 0);
    const header = html`<text class="panel-title" x="${plot.left}" y="14"><tspan class="swatch-text ${panel.series}">■</tspan> ${panel.label}<tspan class="panel-sub" dx="8">${panel.summary.endpoint ?? 'no endpoint'} · ${count(total)} successful calls</tspan></text>`;
    const noData =
      total === 0
        ? html`<text class="no-data" x="${px((plot.left + plot.right) / 2)}" y="${px((plot.top + plot.bottom) / 2)}" text-anchor="middle">no successful calls yet</text>`
        : null;
    return html`<g class="panel" data-series="${panel.series}">${header}${yGrid(y, ticks(0, yMax, 4), plot, percentTick)}${xGrid(x, ticks(first, last, 6), plot, (v) => String(v))}${bars}${baseline(plot)}${limitLine}${markers}${noData}${axisTitle('latency (ms)', (plot.left + plot.right) / 2, HEIGHT - 4)}</g>`;
  });

  const describe = (p: Panel) =>
    `${p.label} ${p.summary.endpoint ?? ''}: ${count(p.summary.count)} successful calls, p50 ${milliseconds(p.summary.p50.estimate)}, p90 ${milliseconds(p.summary.p90.estimate)}, p99 ${milliseconds(p.summary.p99.estimate)}.`;
  return chartSvg({
    chart: LATENCY_HISTOGRAM,
    id: LATENCY_HISTOGRAM,
    width: WIDTH,
    height: HEIGHT,
    title: 'Latency distributions, production and candidate',
    description: `Histograms of successful-call latency on the same ${edges.length - 1} bins from ${milliseconds(first)} to ${milliseconds(last)} (the last bin holds slower calls too). ${panels.map(describe).join(' ')}`,
    body,
  });
}
