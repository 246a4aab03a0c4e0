import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command of the project as a user would, from the repository root. */
export function runCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60_000,
): CommandResult {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The shape of a user mistake: exit code 2, one line on stderr, no stack frame. */
export function expectOneLineMistake(result: CommandResult, message: string | RegExp): void {
  const lines = result.stderr.trimEnd().split('\n');
  expect({ code: result.code, lines: lines.length, frames: /^\s+at /m.test(result.stderr) }).toEqual({
    code: 2,
    lines: 1,
    frames: false,
  });
  if (typeof message === 'string') expect(lines[0]).toContain(message);
  else expect(lines[0]).toMatch(message);
}
