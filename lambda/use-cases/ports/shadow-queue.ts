import type { ShadowMessage } from '../../core/shadow-message';

/** How a send to the shadow queue went; a send never throws. */
export type DispatchResult =
  | { readonly outcome: 'dispatched' }
  /**
   * Not confirmed within the budget; the send goes on and most likely lands. `landed` settles
   * with the send: false when the sample never reached the queue after all.
   */
  | { readonly outcome: 'late'; readonly landed?: Promise<boolean> }
  | { readonly outcome: 'failed'; readonly reason: 'error'; readonly errorName: string };

export type DispatchShadow = (message: ShadowMessage) => Promise<DispatchResult>;
