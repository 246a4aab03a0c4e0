/** Most buckets one timeline may have; a finer bucket over a long window is a caller error. */
export const MAX_TIME_BUCKETS = 10_000;

const BUCKET_CHOICES = [1, 5, 15, 60, 180, 360, 1440, 10_080];

/** A bucket width giving at most `maxBuckets` buckets over the span from `from` to `to`. */
export function chooseBucketMinutes(from: string | null, to: string | null, maxBuckets = 72): number {
  if (from === null || to === null) return 60;
  const spanMinutes = (Date.parse(to) - Date.parse(from)) / 60_000;
  return BUCKET_CHOICES.find((minutes) => spanMinutes / minutes + 1 <= maxBuckets) ?? 10_080;
}
