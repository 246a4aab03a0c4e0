import { closeSync, openSync, writeSync } from 'node:fs';

export interface OutputSink {
  /** Bytes the handlers wrote (EMF documents and log lines). */
  bytes(): number;
  /** Sum of one EMF metric over every document written, per `service` dimension. */
  metricByService(metric: string): Map<string, number>;
  /** Forget what was captured so far (between phases). */
  clear(): void;
  restore(): void;
}

/**
 * Sends what the handlers write to stdout/stderr to /dev/null, keeping the EMF documents for
 * counting. Powertools still builds and writes every line (real work on the request path, and a
 * synchronous write like Lambda's stdout pipe); only the terminal is spared. EMF lines are kept
 * as strings and parsed after the measurement, not during it.
 */
export function sinkProcessOutput(): OutputSink {
  const devNull = openSync('/dev/null', 'w');
  const emf: string[] = [];
  let bytes = 0;
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') {
      writeSync(devNull, chunk);
      bytes += Buffer.byteLength(chunk);
    } else {
      writeSync(devNull, chunk);
      bytes += chunk.length;
    }
    if (typeof chunk === 'string' && chunk.includes('"_aws"')) emf.push(chunk);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  for (const stream of streams) stream.write = write as typeof stream.write;

  return {
    bytes: () => bytes,
    metricByService(metric) {
      const totals = new Map<string, number>();
      for (const chunk of emf) {
        for (const line of chunk.split('\n')) {
          if (!line.includes(`"${metric}"`)) continue;
          const doc = JSON.parse(line) as Record<string, unknown>;
          const value = doc[metric];
          const sum = Array.isArray(value)
            ? (value as number[]).reduce((a, b) => a + b, 0)
            : typeof value === 'number'
              ? value
              : 0;
          const service = String(doc.service ?? 'unknown');
          totals.set(service, (totals.get(service) ?? 0) + sum);
        }
      }
      return totals;
    },
    clear() {
      emf.length = 0;
      bytes = 0;
    },
    restore() {
      streams.forEach((stream, i) => {
        stream.write = originals[i] as typeof stream.write;
      });
      closeSync(devNull);
    },
  };
}
