import { milliseconds, percent } from '../../lambda/core/report/format';
import type { GuardrailName } from '../../lambda/core/report/types';
import type { Interval } from '../../lambda/core/stats/interval';

export { milliseconds, percent };

export type Format = (value: number | null) => string;

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function count(value: number | null): string {
  return value === null ? 'n/a' : COUNT.format(value);
}

/** A difference of two rates, in percentage points, with its sign. */
export function points(value: number | null): string {
  if (value === null) return 'n/a';
  const digits = Math.abs(value) < 0.1 ? 2 : 1;
  const text = (value * 100).toFixed(digits);
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${text.replace('-', '')} pp`;
}

/** A drop in a rate, in percentage points: unsigned when it is a drop, `−` when it is a gain. */
export function drop(value: number | null): string {
  if (value === null) return 'n/a';
  const digits = Math.abs(value) < 0.1 ? 2 : 1;
  return `${value < 0 ? '−' : ''}${Math.abs(value * 100).toFixed(digits)} pp`;
}

/** A difference of latencies, with its sign. */
export function signedMilliseconds(value: number | null): string {
  if (value === null) return 'n/a';
  const text = milliseconds(Math.abs(value));
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

/** `12.3% [10.1%, 14.5%]`; an open bound is `…`; no estimate is `n/a`. */
export function withInterval(interval: Interval, format: Format): string {
  if (interval.estimate === null) return 'n/a';
  if (interval.lower === null && interval.upper === null) return format(interval.estimate);
  const bound = (v: number | null) => (v === null ? '…' : format(v));
  return `${format(interval.estimate)} [${bound(interval.lower)}, ${bound(interval.upper)}]`;
}

/** `2025-01-01 12:05 UTC`; `n/a` for a missing or unparsable time. */
export function utc(iso: string | null, withSeconds = false): string {
  if (iso === null) return 'n/a';
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return iso;
  const text = new Date(time).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, withSeconds ? 19 : 16)} UTC`;
}

export function duration(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? '1 day' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** How each guardrail reads to a person, and the units its threshold and evidence are in. */
export const GUARDRAIL_DISPLAY: Readonly<
  Record<GuardrailName, { readonly label: string; readonly kind: 'max' | 'min'; readonly format: Format }>
> = {
  minSampleSize: { label: 'Sample size', kind: 'min', format: count },
  maxErrorRate: { label: 'Candidate error rate', kind: 'max', format: percent },
  maxP99LatencyMs: { label: 'Candidate p99 latency', kind: 'max', format: milliseconds },
  maxLatencyIncreaseMs: { label: 'p99 latency increase', kind: 'max', format: signedMilliseconds },
  minAgreement: { label: 'Agreement with production', kind: 'min', format: percent },
  maxAccuracyDrop: { label: 'Accuracy drop vs production', kind: 'max', format: drop },
  maxConversionDrop: { label: 'Conversion drop (canary)', kind: 'max', format: drop },
  maxConversionDropRelative: { label: 'Relative conversion drop (canary)', kind: 'max', format: percent },
};

/** Axis label for a share: `0%`, `2.5%`, `40%`. */
export function percentTick(value: number): string {
  return `${Number((value * 100).toFixed(2))}%`;
}

/** Axis label for a difference of shares: `−2 pp`, `0`, `+1.5 pp`. */
export function pointsTick(value: number): string {
  if (value === 0) return '0';
  const text = `${Number((Math.abs(value) * 100).toFixed(2))} pp`;
  return value > 0 ? `+${text}` : `−${text}`;
}
