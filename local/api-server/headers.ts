/** Header maps keyed by the first spelling seen: HTTP names are case-insensitive. */
export type MultiValueHeaders = Record<string, string[]>;

/**
 * A map for names the caller chooses (headers, query parameters): without a prototype, so
 * `constructor`, `toString` or `__proto__` are names like any other, never inherited members.
 */
export function callerKeyedMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function appendHeader(headers: MultiValueHeaders, name: string, value: string): void {
  const key = Object.keys(headers).find((existing) => existing.toLowerCase() === name.toLowerCase()) ?? name;
  const values = headers[key] ?? [];
  values.push(value);
  headers[key] = values;
}

export function hasHeader(headers: MultiValueHeaders, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}
