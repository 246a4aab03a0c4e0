import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system) the calling thread has used so far, in ms; undefined where
 * `/proc/thread-self` does not exist (not Linux). The kernel counts it in clock ticks of 10 ms,
 * so it is for totals over seconds (benchmarks), not for timing single calls.
 */
export function threadCpuMs(): number | undefined {
  try {
    // Fields 14 and 15 (utime, stime); the name before ') ' may hold spaces.
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
