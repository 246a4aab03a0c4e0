/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`: for
 * what a test cannot be told about (another process, an emulator's queue). Bounded by its
 * deadline; a test that can be told (a promise, an event) waits for that instead.
 */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (value === undefined) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await probe();
  }
  return value;
}
