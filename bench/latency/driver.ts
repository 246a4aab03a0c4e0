/** What one call of a variant returned, as far as the benchmark checks it. */
export interface CallResult {
  readonly ok: boolean;
  /** The router's `X-Shadow` header, when the variant is the router. */
  readonly shadow?: string;
}

export interface Variant {
  readonly name: string;
  /** Builds request `seq` outside the timed section and returns the timed call. */
  prepare(seq: number): () => Promise<CallResult>;
  /**
   * Untimed, after each call: work the environment still does after the answer (after-response
   * mode). Lambda gives an environment its next request only once that work is done, so the
   * caller waits for it too; the ms it took are kept as `postResponseMs`.
   */
  afterCall?(): Promise<number>;
}

export interface VariantSamples {
  readonly name: string;
  readonly latenciesMs: number[];
  failures: number;
  shadowSampled: number;
  shadowSkipped: number;
  /** Time from the answer until the post-response work was done (variants with `afterCall`). */
  readonly postResponseMs: number[];
}

/**
 * Closed-loop load with requests interleaved round-robin across the variants: `concurrency`
 * callers share one ticket counter, and ticket i goes to variant i mod V. Every variant gets
 * exactly `perVariant` requests spread evenly over the same time window, so drift (thermal,
 * noisy neighbours, GC) hits all variants alike. Only the call itself is timed.
 */
export async function runInterleaved(
  variants: readonly Variant[],
  perVariant: number,
  concurrency: number,
): Promise<VariantSamples[]> {
  const samples: VariantSamples[] = variants.map((v) => ({
    name: v.name,
    latenciesMs: [],
    failures: 0,
    shadowSampled: 0,
    shadowSkipped: 0,
    postResponseMs: [],
  }));
  const total = perVariant * variants.length;
  let next = 0;

  async function caller(): Promise<void> {
    while (next < total) {
      const ticket = next++;
      const index = ticket % variants.length;
      const variant = variants[index] as Variant;
      const sample = samples[index] as VariantSamples;
      const call = variant.prepare(Math.floor(ticket / variants.length));
      const started = performance.now();
      let result: CallResult;
      try {
        result = await call();
      } catch {
        result = { ok: false };
      }
      sample.latenciesMs.push(performance.now() - started);
      if (variant.afterCall) sample.postResponseMs.push(await variant.afterCall());
      if (!result.ok) sample.failures++;
      if (result.shadow === 'sampled') sample.shadowSampled++;
      else if (result.shadow === 'skipped') sample.shadowSkipped++;
    }
  }

  await Promise.all(Array.from({ length: concurrency }, () => caller()));
  return samples;
}
