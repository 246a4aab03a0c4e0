import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { ServersConfig, ServersReady, ServersReply, ServersRequest } from './servers';

export interface Servers extends Omit<ServersReady, 'type'> {
  depth(queue: string): Promise<number>;
  proxyStats(): Promise<{ connections: number; forwardedAfterCallerLeft: number }>;
  stop(): Promise<void>;
}

/** Starts bench/latency/servers.ts in a child process and waits until it listens. */
export async function startServers(config: ServersConfig): Promise<Servers> {
  const child = fork(resolve(__dirname, 'servers.ts'), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // The SDK's Node-version notice is not news here.
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const ready = await nextReply(child, 'ready');
  const ask = async <T extends ServersReply['type']>(request: ServersRequest, type: T) => {
    const reply = nextReply(child, type);
    child.send(request);
    return reply;
  };
  return {
    modelUrl: ready.modelUrl,
    sqsOrigin: ready.sqsOrigin,
    delayedSqsOrigin: ready.delayedSqsOrigin,
    queueUrls: ready.queueUrls,
    depth: async (queue) => (await ask({ type: 'depth', queue }, 'depth')).depth,
    proxyStats: async () => {
      const { connections, forwardedAfterCallerLeft } = await ask({ type: 'proxy-stats' }, 'proxy-stats');
      return { connections, forwardedAfterCallerLeft };
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.disconnect();
      await exited;
    },
  };
}

function nextReply<T extends ServersReply['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ServersReply, { type: T }>> {
  return new Promise((done, fail) => {
    const onMessage = (message: ServersReply) => {
      if (message.type !== type) return;
      cleanup();
      done(message as Extract<ServersReply, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      fail(new Error(`bench servers exited (code ${code}) before answering "${type}"`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
