import { count, percent } from '../format';
import { html, type SafeHtml } from '../safe-html';
import { linearScale, px } from '../scale';
import { chartSvg } from './frame';

const WIDTH = 470;
const ROW = 26;
const MAX_LABEL_WIDTH = 250;
const MAX_LABEL = 42;

export const DISAGREEMENT_REASONS = 'disagreement-reasons';

/** The most frequent disagreement reasons as horizontal bars, as shares of all disagreements. */
export function disagreementReasons(
  reasons: readonly { readonly reason: string; readonly count: number }[],
  disagreements: number,
): SafeHtml {
  const height = reasons.length * ROW + 6;
  const most = Math.max(1, ...reasons.map((r) => r.count));
  const labels = reasons.map((r) =>
    r.reason.length > MAX_LABEL ? `${r.reason.slice(0, MAX_LABEL - 1)}…` : r.reason,
  );
  // About 7 px per character at 12 px: a column no wider than the longest label needs.
  const labelWidth = Math.min(MAX_LABEL_WIDTH, 16 + 7 * Math.max(...labels.map((l) => l.length)));
  const x = linearScale([0, most], [labelWidth, WIDTH - 70]);
  const rows = reasons.map((r, i) => {
    const y = 3 + i * ROW;
    const label = labels[i];
    const share = disagreements > 0 ? ` (${percent(r.count / disagreements)})` : '';
    return html`<g class="reason"><title>${r.reason}: ${count(r.count)} comparisons${share}</title><text class="reason-label" x="${px(labelWidth - 8)}" y="${y + ROW / 2}" dy="0.32em" text-anchor="end">${label}</text><rect class="bar reason-bar" data-mark="bar" x="${px(labelWidth)}" y="${y + 4}" width="${Math.max(2, px(x(r.count) - labelWidth))}" height="${ROW - 8}" rx="2"/><text class="value-label" x="${px(x(r.count)) + 6}" y="${y + ROW / 2}" dy="0.32em">${count(r.count)}${share}</text></g>`;
  });
  return chartSvg({
    chart: DISAGREEMENT_REASONS,
    id: DISAGREEMENT_REASONS,
    width: WIDTH,
    height,
    title: 'Most frequent disagreement reasons',
    description: reasons.map((r) => `${r.reason}: ${r.count}`).join('; '),
    body: rows,
  });
}
