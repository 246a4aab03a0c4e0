/** Header maps keyed by the first spelling seen: HTTP names are case-insensitive. */
export type MultiValueHeaders = Record<string, string[]>;

export function appendHeader(headers: MultiValueHeaders, name: string, value: string): void {
  const key = Object.keys(headers).find((existing) => existing.toLowerCase() === name.toLowerCase()) ?? name;
  const values = headers[key] ?? [];
  values.push(value);
  headers[key] = values;
}

export function hasHeader(headers: MultiValueHeaders, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}
