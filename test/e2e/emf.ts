/**
 * Sums the EMF metrics in a handlers' log: every JSON line with `_aws.CloudWatchMetrics`,
 * each declared metric's value (a number, or a list when several were stored at once).
 * This is what CloudWatch would count; the request log lines play no part.
 */
export function emfTotals(log: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (!line.includes('"_aws"')) continue;
    let entry: { _aws?: { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } } & Record<
      string,
      unknown
    >;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    for (const directive of entry._aws?.CloudWatchMetrics ?? []) {
      for (const { Name } of directive.Metrics ?? []) {
        const value = entry[Name];
        const values = Array.isArray(value) ? value : [value];
        const sum = values.reduce<number>((total, v) => total + (typeof v === 'number' ? v : 0), 0);
        totals.set(Name, (totals.get(Name) ?? 0) + sum);
      }
    }
  }
  return totals;
}
