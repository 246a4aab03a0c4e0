import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../support/wait-for';
import { CHURN_EXAMPLE, predict } from './api-client';
import { type LocalProcess, START_COMMAND, startLocalProcess } from './local-process';

const ROOT = resolve(__dirname, '../..');

function npmStart(args: readonly string[], env: Record<string, string> = {}) {
  const [command = process.execPath, ...startArgs] = START_COMMAND;
  return spawnSync(command, [...startArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Where an instance on this port writes its handler log when no --lambda-log is given. */
const defaultLog = (port: string) => join(tmpdir(), 'shadow-rollout-local', `lambda-${port}.log`);

describe('npm start when the port is taken', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    port = (blocker.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((done) => blocker.close(() => done())));

  it('says so in one line, suggests another port, exits 2 and creates no log', () => {
    rmSync(defaultLog(String(port)), { force: true });

    const result = npmStart([], { PORT: String(port) });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`port ${port} is in use; try PORT=${port + 1} npm start`);
    expect(existsSync(defaultLog(String(port)))).toBe(false);
  });
});

describe('two instances', () => {
  let first: LocalProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shadow-rollout-lock-'));
    first = await startLocalProcess(['--data-dir', dataDir], 60_000, { lambdaLogFlag: false });
  });
  afterAll(async () => {
    await first?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (first) rmSync(defaultLog(new URL(first.url).port), { force: true });
  });

  it('a second one on the same port leaves the first one’s log alone', async () => {
    const port = new URL(first.url).port;
    const log = defaultLog(port);
    await predict(first.url, CHURN_EXAMPLE);
    const before = await waitFor(
      () => (statSync(log).size > 0 ? readFileSync(log, 'utf8') : undefined),
      'the log',
    );

    const second = npmStart(['--port', port]);

    // A taken port is the user's to fix (another port): one line, exit 2.
    expect(second.status).toBe(2);
    expect(readFileSync(log, 'utf8').startsWith(before)).toBe(true);
    // The first instance still writes to its log.
    await predict(first.url, CHURN_EXAMPLE);
    await waitFor(() => (statSync(log).size > before.length ? true : undefined), 'the first log to grow');
  });

  it('a second one on the same --data-dir is refused in one line naming the holder, exit 2', async () => {
    const second = npmStart(['--port', '0', '--data-dir', dataDir]);

    expect(second.status).toBe(2);
    expect(second.stderr.trim()).toBe(
      `Error: --data-dir ${dataDir} is in use by another local mode (pid ${first.pid}); stop that one, or pass another --data-dir`,
    );
    // The first one is unharmed.
    expect((await predict(first.url, CHURN_EXAMPLE)).status).toBe(200);
  });
});
