import { type Fragment, html, type SafeHtml } from '../safe-html';
import { type LinearScale, px } from '../scale';

/** The plot area of a chart, in SVG user units. */
export interface Plot {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/**
 * One chart: an SVG drawn to scale through its viewBox, named for assistive technology by its
 * `<title>` and `<desc>`, and findable by `data-chart`.
 */
export function chartSvg(options: {
  readonly chart: string;
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly description: string;
  readonly body: Fragment;
  readonly attributes?: Readonly<Record<string, string>>;
}): SafeHtml {
  const { chart, id, width, height, title, description, body } = options;
  const extra = Object.entries(options.attributes ?? {}).map(([name, value]) => html` ${name}="${value}"`);
  return html`<svg class="chart" data-chart="${chart}" id="${id}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg"${extra}><title id="${id}-title">${title}</title><desc id="${id}-desc">${description}</desc>${body}</svg>`;
}

/** Horizontal grid lines with labels on the left. */
export function yGrid(y: LinearScale, values: readonly number[], plot: Plot, format: (v: number) => string) {
  return html`<g class="grid">${values.map(
    (v) =>
      html`<line x1="${plot.left}" x2="${plot.right}" y1="${px(y(v))}" y2="${px(y(v))}"/><text class="tick" x="${plot.left - 6}" y="${px(y(v))}" dy="0.32em" text-anchor="end">${format(v)}</text>`,
  )}</g>`;
}

/** Vertical grid lines with labels below the plot. */
export function xGrid(
  x: LinearScale,
  values: readonly number[],
  plot: Plot,
  format: (v: number, index: number) => string | readonly string[],
) {
  return html`<g class="grid">${values.map((v, i) => {
    const label = format(v, i);
    const lines = typeof label === 'string' ? [label] : label;
    return html`<line x1="${px(x(v))}" x2="${px(x(v))}" y1="${plot.top}" y2="${plot.bottom}"/><text class="tick" x="${px(x(v))}" y="${plot.bottom + 16}" text-anchor="middle">${lines.map((line, n) => html`<tspan x="${px(x(v))}" dy="${n === 0 ? 0 : 13}">${line}</tspan>`)}</text>`;
  })}</g>`;
}

/** A baseline under the plot. */
export function baseline(plot: Plot) {
  return html`<line class="axis" x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}"/>`;
}

export function axisTitle(text: string, x: number, y: number, anchor: 'start' | 'middle' | 'end' = 'middle') {
  return html`<text class="axis-title" x="${px(x)}" y="${px(y)}" text-anchor="${anchor}">${text}</text>`;
}

/** A figure with its caption: the chart, a key, and what to read from it. */
export function figure(options: {
  readonly id: string;
  readonly title: string;
  readonly caption: Fragment;
  readonly legend?: Fragment;
  readonly content: Fragment;
}): SafeHtml {
  return html`<figure class="card" aria-labelledby="${options.id}-heading">
<h3 id="${options.id}-heading">${options.title}</h3>
${options.legend ? html`<div class="legend">${options.legend}</div>` : null}
${options.content}
<figcaption>${options.caption}</figcaption>
</figure>`;
}

/** What a chart shows before there is data for it. */
export function emptyState(chart: string, message: Fragment): SafeHtml {
  return html`<div class="empty" data-chart-empty="${chart}" role="note">${message}</div>`;
}

export type SeriesKey = 'production' | 'candidate' | 'canary' | 'agreement' | 'baseline' | 'limit';

export function legendItem(series: SeriesKey, label: Fragment, style: 'box' | 'line' | 'dash' = 'box') {
  return html`<span class="key"><span class="swatch ${style} ${series}" aria-hidden="true"></span>${label}</span>`;
}
