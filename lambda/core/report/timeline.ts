import type { ComparisonRecord } from '../comparison-record';
import type { ModelCallStatus } from '../model-result';
import { wilsonInterval } from '../stats/proportions';
import { type EndpointSelection, resolveEndpoints } from './evidence';
import type { TimeBucket } from './types';

export interface TimelineOptions extends EndpointSelection {
  /** Bucket width. @default 60 */
  readonly bucketMinutes?: number;
  /** Level of the per-bucket Wilson intervals. @default 0.05 */
  readonly alpha?: number;
}

// Bound once: these run per record, and global lookups are slow in sandboxed runtimes (Jest's vm).
const { floor, max, min } = Math;
const parseTime = Date.parse;
const finite = Number.isFinite;

/** Most buckets one timeline may have; a finer bucket over a long window is a caller error. */
export const MAX_TIME_BUCKETS = 10_000;

interface BucketCounts {
  records: number;
  agree: number;
  compared: number;
  /** [errors, calls] */
  candidate: [number, number];
  production: [number, number];
}

/**
 * Agreement and error rates per time bucket (by `receivedAt`), for "over time" charts. Buckets
 * are aligned to the epoch (hourly buckets start on the hour, UTC) and gaps between the first
 * and last record are returned as empty buckets, so a chart's time axis stays linear.
 */
export function bucketByTime(
  records: readonly ComparisonRecord[],
  options: TimelineOptions = {},
): TimeBucket[] {
  const bucketMinutes = options.bucketMinutes ?? 60;
  if (!(bucketMinutes > 0)) throw new RangeError(`bucketMinutes must be > 0, got ${bucketMinutes}`);
  const alpha = options.alpha ?? 0.05;
  const width = bucketMinutes * 60_000;
  const { production, candidate } = resolveEndpoints(records, options);

  const counts = new Map<number, BucketCounts>();
  const countCall = (endpoint: string, status: ModelCallStatus, bucket: BucketCounts) => {
    const tally =
      endpoint === candidate ? bucket.candidate : endpoint === production ? bucket.production : undefined;
    // A refused input (client_error) is the caller's mistake: not a call of the model.
    if (tally === undefined || status === 'client_error') return;
    tally[1] += 1;
    if (status === 'error') tally[0] += 1;
  };
  for (const record of records) {
    const time = parseTime(record.receivedAt);
    if (!finite(time)) continue;
    const start = floor(time / width) * width;
    let bucket = counts.get(start);
    if (bucket === undefined) {
      bucket = { records: 0, agree: 0, compared: 0, candidate: [0, 0], production: [0, 0] };
      counts.set(start, bucket);
    }
    bucket.records += 1;
    countCall(record.production.endpoint, record.production.status, bucket);
    for (const c of record.candidates) countCall(c.endpoint, c.result.status, bucket);
    if (record.noiseBaseline !== undefined) {
      countCall(record.noiseBaseline.endpoint, record.noiseBaseline.result.status, bucket);
    }
    const served = record.production.endpoint;
    for (const c of record.candidates) {
      if (c.comparison === undefined) continue;
      const isPair =
        (served === production && c.endpoint === candidate) ||
        (served === candidate && c.endpoint === production);
      if (!isPair) continue;
      bucket.compared += 1;
      if (c.comparison.agree) bucket.agree += 1;
    }
  }
  if (counts.size === 0) return [];

  const starts = [...counts.keys()];
  const first = min(...starts);
  const last = max(...starts);
  if ((last - first) / width + 1 > MAX_TIME_BUCKETS) {
    throw new RangeError(
      `${bucketMinutes}-minute buckets over this window exceed ${MAX_TIME_BUCKETS} buckets`,
    );
  }
  const buckets: TimeBucket[] = [];
  for (let start = first; start <= last; start += width) {
    const b = counts.get(start);
    buckets.push({
      start: new Date(start).toISOString(),
      records: b?.records ?? 0,
      agreement: wilsonInterval(b?.agree ?? 0, b?.compared ?? 0, alpha),
      candidateErrors: wilsonInterval(b?.candidate[0] ?? 0, b?.candidate[1] ?? 0, alpha),
      productionErrors: wilsonInterval(b?.production[0] ?? 0, b?.production[1] ?? 0, alpha),
    });
  }
  return buckets;
}

const BUCKET_CHOICES = [1, 5, 15, 60, 180, 360, 1440, 10_080];

/** A bucket width giving at most `maxBuckets` buckets over the span from `from` to `to`. */
export function chooseBucketMinutes(from: string | null, to: string | null, maxBuckets = 72): number {
  if (from === null || to === null) return 60;
  const spanMinutes = (Date.parse(to) - Date.parse(from)) / 60_000;
  return BUCKET_CHOICES.find((minutes) => spanMinutes / minutes + 1 <= maxBuckets) ?? 10_080;
}
