import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface Terminal {
  /** Writes a line for the person at the terminal, never into the Lambda log. */
  print(line: string): void;
}

export interface LambdaOutput {
  readonly terminal: Terminal;
  /**
   * Sends what was held so far, and everything after, to `file` (or to stdout). Called once the
   * instance started: an instance that fails to start never touches a log file.
   * `append` keeps what the file holds (a path the user chose); otherwise it starts empty.
   */
  open(file: string | 'stdout', options?: { readonly append?: boolean }): void;
  /** Where the handlers' output goes, once opened. */
  readonly destination: string | undefined;
  /** Gives stdout/stderr back; output held and never opened is dropped. */
  restore(): Promise<void>;
}

/** Output held before the log is opened is bounded: startup writes little. */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * Sends everything the handlers write to stdout/stderr (Powertools JSON logs and EMF metric
 * lines, which Powertools writes to process.stdout directly) to a log file, so the terminal
 * shows only the ready banner and the compact request log. Until `open`, the output is held
 * in memory. Lambda gives each function its own log stream; here all of them share one file
 * per instance, in order.
 */
export function captureLambdaOutput(): LambdaOutput {
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const originalStdout = stdoutWrite.bind(process.stdout);
  const terminal: Terminal = { print: (line) => void originalStdout(`${line}\n`) };
  let held: (string | Uint8Array)[] = [];
  let heldBytes = 0;
  let sink: ((chunk: string | Uint8Array) => void) | undefined;
  let log: WriteStream | undefined;
  let destination: string | undefined;

  const toLog = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (sink) sink(chunk);
    else if (heldBytes < MAX_HELD_BYTES) {
      held.push(chunk);
      heldBytes += chunk.length;
    }
    if (typeof done === 'function') done();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = toLog;
  process.stderr.write = toLog;

  return {
    terminal,
    get destination() {
      return destination;
    },
    open: (file, options = {}) => {
      if (sink) return;
      if (file === 'stdout') {
        sink = (chunk) => void originalStdout(chunk);
      } else {
        mkdirSync(dirname(file), { recursive: true });
        const stream = createWriteStream(file, { flags: options.append ? 'a' : 'w' });
        log = stream;
        sink = (chunk) => void stream.write(chunk);
      }
      destination = file;
      for (const chunk of held) sink(chunk);
      held = [];
    },
    restore: () =>
      new Promise<void>((resolve) => {
        process.stdout.write = stdoutWrite;
        process.stderr.write = stderrWrite;
        held = [];
        if (log) log.end(() => resolve());
        else resolve();
      }),
  };
}
