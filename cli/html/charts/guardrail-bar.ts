import type { GuardrailCheck } from '../../../lambda/core/report/types';
import { count, GUARDRAIL_DISPLAY, withInterval } from '../format';
import { html, type SafeHtml } from '../safe-html';
import { linearScale, px } from '../scale';
import { chartSvg } from './frame';

const WIDTH = 240;
const HEIGHT = 40;
const LEFT = 8;
const RIGHT = WIDTH - 8;
const MID = 16;

export const GUARDRAIL_INTERVAL = 'guardrail-interval';

/**
 * One guardrail's evidence against its threshold: the always-valid interval as a bar, the
 * estimate as a dot, the threshold as a line, and the side of the threshold that passes shaded.
 * An open bound runs off the edge with an arrow. The sample-size guardrail is a progress bar.
 */
export function guardrailBar(check: GuardrailCheck): SafeHtml {
  const display = GUARDRAIL_DISPLAY[check.guardrail];
  const id = `${GUARDRAIL_INTERVAL}-${check.guardrail}`;
  const svg = (body: SafeHtml, description: string) =>
    chartSvg({
      chart: GUARDRAIL_INTERVAL,
      id,
      width: WIDTH,
      height: HEIGHT,
      title: `${display.label} against its threshold`,
      description,
      body,
      attributes: { 'data-guardrail': check.guardrail, 'data-status': check.status },
    });
  const { estimate, lower, upper } = check.evidence;

  if (check.guardrail === 'minSampleSize') {
    const done = check.threshold <= 0 ? 1 : Math.min(1, (estimate ?? 0) / check.threshold);
    const fill = px((RIGHT - LEFT) * done);
    return svg(
      html`<rect class="track" x="${LEFT}" y="${MID - 5}" width="${RIGHT - LEFT}" height="10" rx="5"/>${fill > 0 ? html`<rect class="progress ${check.status}" data-mark="progress" x="${LEFT}" y="${MID - 5}" width="${Math.max(fill, 10)}" height="10" rx="5"/>` : null}<text class="bar-note" x="${RIGHT}" y="${HEIGHT - 2}" text-anchor="end">${check.status === 'met' ? `${count(check.threshold)} reached` : `${count(estimate)} of ${count(check.threshold)}`}</text>`,
      `${count(estimate)} of the ${count(check.threshold)} comparisons needed.`,
    );
  }
  if (estimate === null) {
    return svg(
      html`<text class="bar-note" x="${WIDTH / 2}" y="${MID + 4}" text-anchor="middle">${check.status === 'not_applicable' ? 'not applicable' : 'no data yet'}</text>`,
      check.summary,
    );
  }

  const known = [check.threshold, estimate, lower, upper].filter((v): v is number => v !== null);
  let low = Math.min(...known);
  let high = Math.max(...known);
  const pad = Math.max((high - low) * 0.15, Math.abs(check.threshold) * 0.1, 1e-4);
  low -= pad;
  high += pad;
  const x = linearScale([low, high], [LEFT, RIGHT]);
  const at = (v: number) => px(x(v));
  const passFrom = display.kind === 'max' ? LEFT : at(check.threshold);
  const passTo = display.kind === 'max' ? at(check.threshold) : RIGHT;
  const from = lower === null ? LEFT : at(lower);
  const to = upper === null ? RIGHT : at(upper);
  const arrowLeft = lower === null ? html`<path class="open-bound" d="M${LEFT} ${MID}l6 -5v10z"/>` : null;
  const arrowRight = upper === null ? html`<path class="open-bound" d="M${RIGHT} ${MID}l-6 -5v10z"/>` : null;
  return svg(
    html`<rect class="pass-zone" x="${passFrom}" y="${MID - 10}" width="${Math.max(0, px(passTo - passFrom))}" height="20"/><line class="threshold" x1="${at(check.threshold)}" x2="${at(check.threshold)}" y1="${MID - 12}" y2="${MID + 12}"/><rect class="interval ${check.status}" data-mark="interval" x="${from}" y="${MID - 3}" width="${Math.max(2, px(to - from))}" height="6" rx="3"/>${arrowLeft}${arrowRight}<circle class="estimate ${check.status}" data-mark="point" cx="${at(estimate)}" cy="${MID}" r="5"/><text class="bar-note" x="${at(check.threshold)}" y="${HEIGHT - 1}" text-anchor="${at(check.threshold) < 40 ? 'start' : at(check.threshold) > WIDTH - 40 ? 'end' : 'middle'}">${display.kind === 'max' ? 'max' : 'min'} ${display.format(check.threshold)}</text>`,
    `${check.measure}: ${withInterval(check.evidence, display.format)} against the ${display.kind === 'max' ? 'maximum' : 'minimum'} of ${display.format(check.threshold)}; ${check.status.replace('_', ' ')}.`,
  );
}
