import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
/** Exactly what `npm start` runs (node itself, tsx as a loader), with this node. */
export const START_COMMAND: readonly string[] = startCommand();

function startCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  // `exec`: the shell npm runs the script with is replaced by node, so npm's child is node itself
  // (a shell in between dies on Ctrl-C before node has drained, and npm then reports 130).
  const [exec, program, ...args] = manifest.scripts.start.split(' ');
  if (exec !== 'exec') throw new Error('npm start must exec node, so that npm waits for node itself');
  // A wrapper (tsx local/main.ts) would relay signals late, or SIGKILL node when it is busy.
  if (program !== 'node') throw new Error(`npm start must run node directly, not ${program}`);
  return [process.execPath, ...args];
}

export interface LocalProcess {
  /** API base URL from the ready line. */
  readonly url: string;
  /** fauxqs address from the banner, for its read-only `/_fauxqs/queues` inspection API. */
  readonly sqsUrl: string;
  readonly queueName: string;
  /** Everything the process printed so far (terminal output only). */
  output(): string;
  readonly pid: number;
  /** The handlers' log (JSON logs and EMF metrics), also after the process exited. */
  lambdaLog(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Sends a signal (e.g. SIGKILL to crash it, SIGINT for Ctrl-C) and resolves with the exit code. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Sends a signal and returns at once. */
  signal(signal: NodeJS.Signals): void;
}

/**
 * Starts `npm start` as a user would (START_COMMAND) on a free port, waits for the ready
 * line and reads the URLs from it. Tests then talk to it over HTTP only.
 */
export async function startLocalProcess(
  args: readonly string[] = [],
  timeoutMs = 60_000,
  options: { readonly lambdaLogFlag?: boolean } = {},
): Promise<LocalProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'shadow-rollout-e2e-'));
  const logFile = join(dir, 'lambda.log');
  const logArgs = options.lambdaLogFlag === false ? [] : ['--lambda-log', logFile];
  const [command = process.execPath, ...startArgs] = START_COMMAND;
  const child = spawn(command, [...startArgs, '--port', '0', ...logArgs, ...args], {
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
  let finalLog: string | undefined;
  const readLog = () => {
    if (finalLog !== undefined) return finalLog;
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const cleanUp = () => {
    finalLog = readLog();
    rmSync(dir, { recursive: true, force: true });
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    cleanUp();
    return code;
  };
  return {
    ...ready,
    output: () => output,
    pid: child.pid ?? 0,
    lambdaLog: readLog,
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        cleanUp();
        return code;
      })();
      return stopped;
    },
    kill,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
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
  while (Date.now() <= deadline) {
    const text = output();
    const url = /ready on (http:\/\/\S+)/.exec(text)?.[1];
    const sqs = /sqs (http:\/\/\S+) \(queue (\S+)\)/.exec(text);
    if (url && sqs?.[1] && sqs[2]) return { url, sqsUrl: sqs[1], queueName: sqs[2] };
    if (exitCode !== undefined || child.exitCode !== null) {
      throw new Error(`local mode exited (${exitCode ?? child.exitCode}) before ready:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`local mode not ready after ${timeoutMs} ms:\n${output()}`);
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

/** Request ids of the shadow messages in a queue (ready, in flight or delayed). */
export async function queuedRequestIds(local: LocalProcess, queueName: string): Promise<Set<string>> {
  const response = await fetch(`${local.sqsUrl}/_fauxqs/queues/${queueName}`);
  if (!response.ok) throw new Error(`cannot inspect queue ${queueName}: ${response.status}`);
  const { messages } = (await response.json()) as {
    messages: {
      ready: { body: string }[];
      inflight: { message: { body: string } }[];
      delayed: { body: string }[];
    };
  };
  const bodies = [
    ...messages.ready.map((m) => m.body),
    ...messages.inflight.map((m) => m.message.body),
    ...messages.delayed.map((m) => m.body),
  ];
  return new Set(bodies.map((body) => (JSON.parse(body) as { requestId: string }).requestId));
}
