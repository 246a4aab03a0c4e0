import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../lambda/core/errors';

export const LOCK_FILE_NAME = 'shadow-rollout.lock';

export class DataDirLockedError extends UserError {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      `--data-dir ${dataDir} is in use by another local mode (pid ${holderPid}); stop that one, or pass another --data-dir`,
    );
  }
}

export interface DataDirLock {
  /** Whether a lock left by a process that no longer runs was taken over. */
  readonly recoveredStaleLock: boolean;
  release(): void;
}

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/**
 * Makes one local mode at a time the owner of a data dir: DynamoDB files and the queue journal
 * cannot be shared between processes. The lock file names its holder; a lock whose holder is
 * gone (kill -9, a crash) is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE_NAME);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  let recoveredStaleLock = false;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
      const holder = readHolder(file);
      if (holder && isRunning(holder)) throw new DataDirLockedError(dataDir, holder.pid);
      // Its holder is gone (or the file is half-written by a holder that died): take it over.
      rmSync(file, { force: true });
      recoveredStaleLock = true;
    }
  }
  let released = false;
  return {
    recoveredStaleLock,
    release: () => {
      if (released) return;
      released = true;
      if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
    },
  };
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string'
      ? { pid: holder.pid, host: holder.host, startedAt: String(holder.startedAt) }
      : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(holder: LockHolder): boolean {
  // A data dir on a shared disk locked from another machine: its pid means nothing here.
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
