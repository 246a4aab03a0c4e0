import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface LocalProcess {
  /** API base URL from the ready line. */
  readonly url: string;
  /** fauxqs address from the banner, for its read-only `/_fauxqs/queues` inspection API. */
  readonly sqsUrl: string;
  readonly queueName: string;
  /** Everything the process printed so far (terminal output only). */
  output(): string;
  /** The handlers' log file, for failure diagnostics. */
  lambdaLog(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `npm start` as a user would (tsx local/main.ts) on a free port, waits for the ready
 * line and reads the URLs from it. Tests then talk to it over HTTP only.
 */
export async function startLocalProcess(
  args: readonly string[] = [],
  timeoutMs = 60_000,
): Promise<LocalProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'shadow-rollout-e2e-'));
  const logFile = join(dir, 'lambda.log');
  const child = spawn(TSX, ['local/main.ts', '--port', '0', '--lambda-log', logFile, ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const ready = await waitForReady(child, () => output, exited, timeoutMs).catch(async (error: Error) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  let stopped: Promise<number | null> | undefined;
  return {
    ...ready,
    output: () => output,
    lambdaLog: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}

async function waitForReady(
  child: ChildProcess,
  output: () => string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<{ url: string; sqsUrl: string; queueName: string }> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    const text = output();
    const url = /ready on (http:\/\/\S+)/.exec(text)?.[1];
    const sqs = /sqs (http:\/\/\S+) \(queue (\S+)\)/.exec(text);
    if (url && sqs?.[1] && sqs[2]) return { url, sqsUrl: sqs[1], queueName: sqs[2] };
    if (exitCode !== undefined || child.exitCode !== null) {
      throw new Error(`local mode exited (${exitCode ?? child.exitCode}) before ready:\n${text}`);
    }
    if (Date.now() > deadline) throw new Error(`local mode not ready after ${timeoutMs} ms:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Messages not yet deleted from a queue, from fauxqs' inspection API. */
export async function queueDepth(local: LocalProcess, queueName: string): Promise<number> {
  const response = await fetch(`${local.sqsUrl}/_fauxqs/queues/${queueName}`);
  if (!response.ok) throw new Error(`cannot inspect queue ${queueName}: ${response.status}`);
  const { messages } = (await response.json()) as {
    messages: { ready: unknown[]; inflight: unknown[]; delayed: unknown[] };
  };
  return messages.ready.length + messages.inflight.length + messages.delayed.length;
}
