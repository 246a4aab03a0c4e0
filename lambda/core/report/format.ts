/** Number formatting for the sentences in guardrail summaries and verdict reasons. */

export function percent(value: number | null): string {
  if (value === null) return 'n/a';
  const digits = Math.abs(value) < 0.1 ? 2 : 1;
  return `${(value * 100).toFixed(digits)}%`;
}

export function milliseconds(value: number | null): string {
  return value === null ? 'n/a' : `${Math.round(value * 10) / 10} ms`;
}

export function range(
  lower: number | null,
  upper: number | null,
  format: (value: number | null) => string,
): string {
  return `[${lower === null ? '…' : format(lower)}, ${upper === null ? '…' : format(upper)}]`;
}
