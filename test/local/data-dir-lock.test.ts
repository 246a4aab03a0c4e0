import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir } from '../../local/data-dir-lock';
import { readPending } from '../../local/emulators/sqs-journal';

describe('data dir lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is held by one owner at a time and released on stop', () => {
    const lock = lockDataDir(dir);

    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(`(pid ${process.pid})`);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    lockDataDir(dir).release();
  });

  it('takes over a lock whose holder no longer runs', () => {
    // A pid that existed and is gone: a child that already exited.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: dead, host: hostname(), startedAt: 'x' }));

    const lock = lockDataDir(dir);

    expect(lock.recoveredStaleLock).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock file left half-written', () => {
    writeFileSync(join(dir, LOCK_FILE_NAME), '{"pid": 12');

    const lock = lockDataDir(dir);

    expect(lock.recoveredStaleLock).toBe(true);
    lock.release();
  });
});

describe('queue journal', () => {
  it('reads back what is pending and ignores a line torn by a kill mid-write', () => {
    const text = [
      '{"op":"sent","q":"shadow","id":"a","body":"A"}',
      '{"op":"sent","q":"shadow","id":"b","body":"B"}',
      '{"op":"gone","q":"shadow","id":"a"}',
      '{"op":"sent","q":"shadow-dlq","id":"b","body":"B"}',
      '{"op":"sent","q":"shadow","id":"c","bo',
    ].join('\n');

    expect(readPending(text)).toEqual([
      { queueName: 'shadow', messageId: 'b', body: 'B', messageAttributes: {} },
      { queueName: 'shadow-dlq', messageId: 'b', body: 'B', messageAttributes: {} },
    ]);
  });
});
