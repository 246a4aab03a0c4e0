/** Which model answered the caller. The candidate only ever answers callers as a canary. */
export type ServedVariant = 'production' | 'canary';
