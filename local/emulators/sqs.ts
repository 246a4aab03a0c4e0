import { existsSync, readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { listeningOn, serveInProcess, serversStartedBy } from '../in-process-http';
import { LOCAL_CREDENTIALS } from '../local-aws';
import { type QueueEvent, SqsJournal } from './sqs-journal';

export interface LocalSqsOptions {
  readonly region: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number;
  /**
   * Keep the queues' messages in this journal file: what was sent survives a stop or a kill,
   * and is sent again at the next start. @default in memory only
   */
  readonly journalFile?: string;
  /**
   * Clients in this thread reach fauxqs through in-memory connections (`in-process-http.ts`):
   * the same HTTP requests and answers without the loopback socket. @default false
   */
  readonly inProcessClients?: boolean;
}

export interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface LocalSqs {
  /** For AWS_ENDPOINT_URL_SQS: the queue URLs' own host, so the SDK never has to choose. */
  readonly endpoint: string;
  readonly queue: LocalQueue;
  readonly deadLetterQueue: LocalQueue;
  /** Messages read back from the journal and sent again at start, per queue name. */
  readonly replayed: Readonly<Record<string, number>>;
  /** Messages not yet deleted (visible, in flight or delayed). */
  depth(queueName: string): number;
  /** Age (s) of the oldest message not yet deleted (SQS's ApproximateAgeOfOldestMessage); null when empty. */
  oldestAgeSeconds(queueName: string): number | null;
  stop(): Promise<void>;
}

/**
 * fauxqs in this process, with the shadow queue and its DLQ set up like the stack's.
 *
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/…`, and the SQS client sends each
 * call to its QueueUrl's host. `*.localhost` is loopback by RFC 6761, but not every resolver
 * knows it, so the lookup is pinned for this process (fauxqs' own `interceptLocalhostDns`).
 */
export async function startSqs(options: LocalSqsOptions): Promise<LocalSqs> {
  const fauxqs = await importFauxqs();
  const journal = options.journalFile ? SqsJournal.open(options.journalFile) : undefined;
  const restoreDns = fauxqs.interceptLocalhostDns();
  let server: FauxqsServer;
  let httpServers: HttpServer[];
  try {
    ({ value: server, servers: httpServers } = await serversStartedBy(() =>
      fauxqs.startFauxqs({
        port: 0,
        logger: false,
        defaultRegion: options.region,
        // The spy reports every enqueue, delete and move to the DLQ synchronously: the journal's feed.
        ...(journal ? { messageSpies: { bufferSize: 0 } } : {}),
      }),
    ));
  } catch (error) {
    restoreDns();
    journal?.close();
    throw error;
  }
  if (journal) {
    const spy = server.spy as unknown as { addMessage(event: QueueEvent & { service: string }): void };
    const report = spy.addMessage.bind(spy);
    spy.addMessage = (event) => {
      if (event.service === 'sqs') journal.record(event);
      report(event);
    };
  }
  const deadLetterQueue = toLocalQueue(
    server.createQueue(options.deadLetterQueueName, {
      region: options.region,
      attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) },
    }),
  );
  const queue = toLocalQueue(
    server.createQueue(options.queueName, {
      region: options.region,
      attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetterQueue.arn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      },
    }),
  );
  const endpoint = new URL(queue.url).origin;
  // fauxqs does not hand out its HTTP server: it is the one that started listening on its port.
  const httpServer = options.inProcessClients ? listeningOn(httpServers, server.port) : undefined;
  const unregister = httpServer
    ? serveInProcess(httpServer, server.port, [new URL(endpoint).hostname, '127.0.0.1', 'localhost'])
    : undefined;
  const replayed = journal
    ? await replay(journal, endpoint, options.region, [queue, deadLetterQueue]).catch(async (error) => {
        unregister?.();
        await server.stop();
        restoreDns();
        journal.close();
        throw error;
      })
    : {};
  return {
    endpoint,
    queue,
    deadLetterQueue,
    replayed,
    depth: (name) => {
      const state = server.inspectQueue(name);
      if (!state) return 0;
      return state.messages.ready.length + state.messages.inflight.length + state.messages.delayed.length;
    },
    oldestAgeSeconds: (name) => {
      const state = server.inspectQueue(name);
      if (!state) return null;
      const sent = [
        ...state.messages.ready,
        ...state.messages.delayed,
        ...state.messages.inflight.map((entry) => entry.message),
      ].map((message) => message.sentTimestamp);
      return sent.length === 0 ? null : Math.max(0, Math.round((Date.now() - Math.min(...sent)) / 1000));
    },
    stop: async () => {
      unregister?.();
      await server.stop();
      restoreDns();
      journal?.close();
    },
  };
}

/**
 * Sends the journal's pending messages again, each to the queue it was in. The copy gets a new
 * id and is journaled as sent before the old entry is dropped, so a crash during the replay
 * leaves a duplicate at worst, never a gap.
 */
async function replay(
  journal: SqsJournal,
  endpoint: string,
  region: string,
  queues: readonly LocalQueue[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const pending = journal.pending();
  if (pending.length === 0) return counts;
  const client = new SQSClient({ region, endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    for (const message of pending) {
      const target = queues.find((q) => q.name === message.queueName);
      if (!target) {
        journal.forget(message.queueName, message.messageId);
        continue;
      }
      const attributes = message.messageAttributes as Record<string, MessageAttributeValue>;
      await client.send(
        new SendMessageCommand({
          QueueUrl: target.url,
          MessageBody: message.body,
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        }),
      );
      journal.forget(message.queueName, message.messageId);
      counts[target.name] = (counts[target.name] ?? 0) + 1;
    }
  } finally {
    client.destroy();
  }
  return counts;
}

function toLocalQueue(created: { queueUrl: string; queueArn: string; queueName: string }): LocalQueue {
  return { name: created.queueName, url: created.queueUrl, arn: created.queueArn };
}

type FauxqsModule = typeof import('fauxqs', { with: { 'resolution-mode': 'import' }});
type FauxqsServer = Awaited<ReturnType<FauxqsModule['startFauxqs']>>;

/**
 * fauxqs is ESM-only and exports only an `import` condition. tsx resolves `import('fauxqs')`,
 * but jest runs this file as CommonJS and cannot resolve the bare name; importing the package's
 * entry file by path works in both.
 */
async function importFauxqs(): Promise<FauxqsModule> {
  const packageDir = findPackageDir('fauxqs');
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports: { '.': { import: { default: string } } };
  };
  const entry = join(packageDir, manifest.exports['.'].import.default);
  // Node wants a file URL on Windows; jest's require() wants a path.
  return (await import(process.platform === 'win32' ? pathToFileURL(entry).href : entry)) as FauxqsModule;
}

function findPackageDir(name: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`cannot find the ${name} package`);
  }
}
