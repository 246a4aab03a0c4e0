import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

describe('npm start when the port is taken', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    port = (blocker.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((done) => blocker.close(() => done())));

  it('says so in one line, suggests another port and exits 2', () => {
    const result = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['local/main.ts', '--lambda-log', 'stdout'],
      {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port) },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`port ${port} is in use; try PORT=${port + 1} npm start`);
  });
});
