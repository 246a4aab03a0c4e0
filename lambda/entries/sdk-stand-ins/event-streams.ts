/**
 * Stands in for `@smithy/core/event-streams` in the deployed bundles (an esbuild alias,
 * lib/constructs/esm-bundling.ts). Every SageMaker runtime client carries the event-stream codec
 * for InvokeEndpointWithResponseStream; no function here streams (they call InvokeEndpoint), so
 * the codec (about 20 KiB) is code they never run. A streaming call would fail with the error
 * below, never silently. If the SDK ever imports another name from the module, esbuild fails the
 * build; the bundling tests load every bundle and the router's is run end to end.
 */

const NOT_BUNDLED =
  'event streams are not bundled into this function (lambda/entries/sdk-stand-ins/event-streams.ts)';

/** Called by the SageMaker runtime client at construction: no marshaller, so a stream fails loudly. */
export function resolveEventStreamSerdeConfig<T extends object>(input: T): T {
  return input;
}

/** The client's default marshaller factory; never reached, since the config above does not call it. */
export function eventStreamSerdeProvider(): never {
  throw new Error(NOT_BUNDLED);
}

/** Loaded by the SDK's HTTP protocol only for an operation with an event stream. */
export class EventStreamSerde {
  constructor() {
    throw new Error(NOT_BUNDLED);
  }
}
