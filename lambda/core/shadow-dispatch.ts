/**
 * When the router sends a shadow sample to the queue, relative to answering the caller.
 *
 * - `before-response`: the caller waits for SendMessage, up to the dispatch budget. One more
 *   network round trip on the caller's path (measured in BENCHMARKS.md), and nothing else to
 *   run or trust.
 * - `after-response`: the router answers first and an internal Lambda extension keeps the
 *   environment running until the send settles (lambda/after-response/lambda-extension.ts). The
 *   caller's latency no longer includes the queue; the function's billed duration does. When the
 *   extension cannot register, the router falls back to `before-response` by itself.
 */
export const SHADOW_DISPATCH_MODES = ['before-response', 'after-response'] as const;

export type ShadowDispatch = (typeof SHADOW_DISPATCH_MODES)[number];

export function isShadowDispatch(value: string): value is ShadowDispatch {
  return (SHADOW_DISPATCH_MODES as readonly string[]).includes(value);
}

/**
 * How long a send that runs after the answer may take before it is counted late and no longer
 * waited for. The caller does not wait for it; the environment (and the bill) does, so it is
 * bounded well under the router's timeout, which the stack extends by this much.
 */
export const AFTER_RESPONSE_DISPATCH_BUDGET_MS = 2000;
