/**
 * An estimate with a two-sided interval. `null` marks a bound (or estimate) the data cannot
 * give yet — e.g. no samples, or too few for a distribution-free bound — so reports stay
 * JSON-serializable (no NaN or Infinity).
 */
export interface Interval {
  readonly estimate: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

export const NO_ESTIMATE: Interval = { estimate: null, lower: null, upper: null };

export function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}
