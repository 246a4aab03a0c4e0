import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface Terminal {
  /** Writes a line for the person at the terminal, never into the Lambda log. */
  print(line: string): void;
}

export interface LambdaOutput {
  readonly terminal: Terminal;
  /** Where the handlers' output goes: a file path, or 'stdout'. */
  readonly destination: string;
  restore(): Promise<void>;
}

/**
 * Sends everything the handlers write to stdout/stderr (Powertools JSON logs and EMF metric
 * lines, which Powertools writes to process.stdout directly) to a file, so the terminal shows
 * only the ready banner and the compact request log. Lambda gives each function its own log
 * stream; here all of them share one file, in order.
 */
export function redirectLambdaOutput(file: string | 'stdout'): LambdaOutput {
  const originalStdout = process.stdout.write.bind(process.stdout);
  const terminal: Terminal = { print: (line) => void originalStdout(`${line}\n`) };
  if (file === 'stdout') return { terminal, destination: 'stdout', restore: async () => {} };

  mkdirSync(dirname(file), { recursive: true });
  const log: WriteStream = createWriteStream(file, { flags: 'w' });
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const toLog = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    log.write(chunk);
    if (typeof done === 'function') done();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = toLog;
  process.stderr.write = toLog;
  return {
    terminal,
    destination: file,
    restore: () =>
      new Promise<void>((resolve) => {
        process.stdout.write = stdoutWrite;
        process.stderr.write = stderrWrite;
        log.end(() => resolve());
      }),
  };
}
