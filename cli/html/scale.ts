/** A linear map from a data domain onto a pixel range (either direction). */
export interface LinearScale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = (value: number) => r0 + ((value - d0) / span) * (r1 - r0);
  return Object.assign(scale, { domain, range });
}

/** A "nice" step (1, 2 or 5 times a power of ten) close to `span / count`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const rough = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction >= 7.5 ? 10 : fraction >= 3.5 ? 5 : fraction >= 1.5 ? 2 : 1;
  return nice * power;
}

/** Tick values on multiples of a nice step within [lower, upper]. */
export function ticks(lower: number, upper: number, count = 5): number[] {
  const step = niceStep(upper - lower, count);
  const first = Math.ceil(lower / step - 1e-9) * step;
  const out: number[] = [];
  for (let value = first; value <= upper + step * 1e-9; value += step) out.push(roundTo(value, step));
  return out;
}

/** Widens [lower, upper] outwards to multiples of a nice step. */
export function niceDomain(lower: number, upper: number, count = 5): [number, number] {
  if (!(upper > lower))
    return lower === 0 ? [0, 1] : [lower - Math.abs(lower) / 2, upper + Math.abs(upper) / 2];
  // Widening can change the step `ticks` picks for the new span: settle on one that lands on both ends.
  let step = niceStep(upper - lower, count);
  let domain: [number, number] = [lower, upper];
  for (let i = 0; i < 5; i++) {
    domain = [
      roundTo(Math.floor(lower / step + 1e-9) * step, step),
      roundTo(Math.ceil(upper / step - 1e-9) * step, step),
    ];
    const next = niceStep(domain[1] - domain[0], count);
    if (next === step) break;
    step = next;
  }
  return domain;
}

/** Removes float noise (0.30000000000000004) from a multiple of `step`. */
function roundTo(value: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(value.toFixed(Math.min(20, digits)));
}

const MINUTE = 60_000;
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10_080].map((m) => m * MINUTE);

/** Tick times (epoch ms) aligned to UTC multiples of a readable step, about `count` of them. */
export function timeTicks(from: number, to: number, count = 6): number[] {
  const span = to - from;
  const step = TIME_STEPS.find((s) => span / s <= count) ?? (TIME_STEPS.at(-1) as number);
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/** Rounds an SVG coordinate to 0.1 px: smaller pages, identical rendering. */
export function px(value: number): number {
  return Math.round(value * 10) / 10;
}
