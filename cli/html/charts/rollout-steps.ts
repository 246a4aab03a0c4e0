import type { RolloutTransition } from '../../../lambda/core/rollout/rollout';
import type { RolloutStatus } from '../../../lambda/use-cases/rollout/manage-rollout';
import { utc } from '../format';
import { html, type SafeHtml } from '../safe-html';
import { linearScale, px, timeTicks } from '../scale';
import { axisTitle, baseline, chartSvg, emptyState, type Plot, xGrid, yGrid } from './frame';

export const ROLLOUT_STEPS = 'rollout-steps';

const WIDTH = 960;
const HEIGHT = 260;
const PLOT: Plot = { left: 52, right: WIDTH - 16, top: 24, bottom: HEIGHT - 44 };

/** A short mark for each transition, drawn above its point. */
const EVENT_MARK: Record<RolloutTransition['event'], string> = {
  start: 'start',
  advance: 'next',
  promote: 'promoted',
  complete: 'done',
  rollback: 'ROLLED BACK',
  pause: 'paused',
  resume: 'resumed',
  abort: 'aborted',
  'manual-change': 'changed by hand',
  'breaker-open': 'breaker open',
  'breaker-close': 'breaker closed',
};

/**
 * The rollout over time: the canary share as a step line from transition to transition (up to
 * now, or the end), a dot at each transition labelled with what happened and the verdict it was
 * made on. Pure, like the rest of the page.
 */
export function rolloutStepsChart(status: RolloutStatus, now: string): SafeHtml {
  const transitions = status.history;
  if (transitions.length === 0) return emptyState(ROLLOUT_STEPS, 'No rollout transitions yet.');
  const from = Date.parse(transitions[0]?.at ?? now);
  const last = Date.parse(transitions.at(-1)?.at ?? now);
  const active = status.state === 'running' || status.state === 'paused';
  const to = Math.max(active ? Date.parse(now) : last, from + 1000);
  const x = linearScale([from, to + (to - from) * 0.04], [PLOT.left, PLOT.right]);
  const y = linearScale([0, 100], [PLOT.bottom, PLOT.top]);

  let path = '';
  transitions.forEach((t, i) => {
    const tx = px(x(Date.parse(t.at)));
    const ty = px(y(t.canaryPercent));
    path += i === 0 ? `M${tx},${ty}` : `H${tx}V${ty}`;
  });
  path += `H${px(x(to))}`;

  const marks = transitions.map((t, i) => {
    const cx = px(x(Date.parse(t.at)));
    const cy = px(y(t.canaryPercent));
    const verdict = t.evidence ? ` · ${t.evidence.decision}` : '';
    const tone =
      t.event === 'rollback' ? 'bad' : t.event === 'promote' || t.event === 'complete' ? 'good' : 'neutral';
    // Alternate label heights so neighbours close in time do not overwrite each other; labels
    // at either end of the plot grow inwards.
    const dy = i % 2 === 0 ? -10 : -24;
    const anchor = cx > PLOT.right - 90 ? 'end' : cx < PLOT.left + 60 ? 'start' : 'middle';
    return html`<g class="transition ${tone}" data-event="${t.event}" data-step="${t.step}"${t.evidence ? html` data-verdict="${t.evidence.decision}"` : null}><circle cx="${cx}" cy="${cy}" r="4.5"><title>${utc(t.at, true)} ${t.event} → step ${t.step}, canary ${t.canaryPercent}%${verdict}: ${t.reason}</title></circle><text x="${cx}" y="${px(cy + dy)}" text-anchor="${anchor}">${EVENT_MARK[t.event]}${verdict}</text></g>`;
  });
  // A walk of seconds (a local demo) has no whole minute to mark: its ends are marked instead.
  const aligned = timeTicks(from, to, 6);
  const times = aligned.length >= 2 ? aligned : [from, to];
  const short = to - from < 600_000;
  const body = html`${yGrid(y, [0, 25, 50, 75, 100], PLOT, (v) => `${v}%`)}${xGrid(x, times, PLOT, (t) => utc(new Date(t).toISOString(), short).slice(11))}${baseline(PLOT)}<path class="rollout-share" d="${path}" fill="none"/>${marks}${axisTitle('canary share', 14, PLOT.top - 8, 'start')}`;
  return chartSvg({
    chart: ROLLOUT_STEPS,
    id: 'rollout-steps-chart',
    width: WIDTH,
    height: HEIGHT,
    title: 'Canary share over time, with the verdict at each transition',
    description: transitions
      .map(
        (t) =>
          `${t.at}: ${t.event}, step ${t.step}, canary ${t.canaryPercent}%${t.evidence ? `, verdict ${t.evidence.decision}` : ''}`,
      )
      .join('; '),
    body,
  });
}
