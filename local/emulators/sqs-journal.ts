import { closeSync, existsSync, fstatSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/** What the journal keeps of a message: enough to send it again. */
export interface JournaledMessage {
  readonly queueName: string;
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, unknown>>;
}

type JournalLine =
  | {
      readonly op: 'sent';
      readonly q: string;
      readonly id: string;
      readonly body: string;
      readonly attrs?: Record<string, unknown>;
    }
  | { readonly op: 'gone'; readonly q: string; readonly id: string };

/** An event of the queue emulator, as fauxqs' message spy reports it. */
export interface QueueEvent {
  readonly queueName: string;
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, unknown>>;
  /** `published`: enqueued; `consumed`: deleted; `dlq`: moved from this queue to its DLQ. */
  readonly status: string;
}

/** Rewrite the file once it is this large and at least 3/4 of it are messages already gone. */
const COMPACT_AT_BYTES = 32 * 1024 * 1024;

/**
 * A write-ahead journal of the messages in the local queues, so that what was sent survives a
 * stop or a kill -9. Every enqueue is appended (with `writeSync`, before the emulator answers
 * SendMessage, so a sample the router was told is sent is on disk), every delete or move to
 * the DLQ too; at start the messages still present are read back and sent again. Delivery stays
 * at least once: a message the worker finished but had not deleted comes back, and the worker's
 * idempotent write turns it into a duplicate. A process kill loses nothing written; a power
 * failure can lose what the OS had not flushed (no fsync per message).
 */
export class SqsJournal {
  private fd: number;
  private readonly live = new Map<string, JournaledMessage>();
  private bytes: number;
  /** Bytes of the bodies still pending: what a rewrite would keep. */
  private liveBytes = 0;

  private constructor(
    private readonly file: string,
    pending: readonly JournaledMessage[],
  ) {
    for (const message of pending) this.remember(message);
    // Start from a compact file: only what is still pending, written atomically.
    this.fd = this.rewrite();
    this.bytes = fstatSync(this.fd).size;
  }

  /** Opens (or creates) the journal and reads back the messages still pending in it. */
  static open(file: string): SqsJournal {
    return new SqsJournal(file, existsSync(file) ? readPending(readFileSync(file, 'utf8')) : []);
  }

  /** Messages that were in a queue when the journal was last written, oldest first. */
  pending(): JournaledMessage[] {
    return [...this.live.values()];
  }

  /** Records one queue event; synchronous, so it is on disk before the emulator answers. */
  record(event: QueueEvent): void {
    if (event.status === 'published') {
      const message: JournaledMessage = {
        queueName: event.queueName,
        messageId: event.messageId,
        body: event.body,
        messageAttributes: event.messageAttributes,
      };
      this.remember(message);
      this.append({
        op: 'sent',
        q: event.queueName,
        id: event.messageId,
        body: event.body,
        ...(Object.keys(event.messageAttributes).length > 0 ? { attrs: { ...event.messageAttributes } } : {}),
      });
    } else if (event.status === 'consumed' || event.status === 'dlq') {
      this.forget(event.queueName, event.messageId);
    }
  }

  /** Drops a message from the journal (e.g. an old copy that was sent again under a new id). */
  forget(queueName: string, messageId: string): void {
    const id = key(queueName, messageId);
    const message = this.live.get(id);
    if (!message) return;
    this.live.delete(id);
    this.liveBytes -= message.body.length;
    this.append({ op: 'gone', q: queueName, id: messageId });
    if (this.bytes > COMPACT_AT_BYTES && this.bytes > 4 * this.liveBytes) {
      closeSync(this.fd);
      this.fd = this.rewrite();
      this.bytes = fstatSync(this.fd).size;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private remember(message: JournaledMessage): void {
    const id = key(message.queueName, message.messageId);
    this.liveBytes += message.body.length - (this.live.get(id)?.body.length ?? 0);
    this.live.set(id, message);
  }

  private append(line: JournalLine): void {
    const text = `${JSON.stringify(line)}\n`;
    writeSync(this.fd, text);
    this.bytes += Buffer.byteLength(text);
  }

  /** Writes the pending messages to a new file and swaps it in; returns its descriptor. */
  private rewrite(): number {
    const next = `${this.file}.next`;
    const fd = openSync(next, 'w');
    for (const m of this.live.values()) {
      const line: JournalLine = {
        op: 'sent',
        q: m.queueName,
        id: m.messageId,
        body: m.body,
        ...(Object.keys(m.messageAttributes).length > 0 ? { attrs: { ...m.messageAttributes } } : {}),
      };
      writeSync(fd, `${JSON.stringify(line)}\n`);
    }
    closeSync(fd);
    renameSync(next, this.file);
    return openSync(this.file, 'a');
  }
}

function key(queueName: string, messageId: string): string {
  return `${queueName}\u0000${messageId}`;
}

/** Replays the journal's lines; a torn last line (the process died mid-write) is ignored. */
export function readPending(text: string): JournaledMessage[] {
  const live = new Map<string, JournaledMessage>();
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let line: JournalLine;
    try {
      line = JSON.parse(raw) as JournalLine;
    } catch {
      continue;
    }
    if (line.op === 'sent') {
      live.set(key(line.q, line.id), {
        queueName: line.q,
        messageId: line.id,
        body: line.body,
        messageAttributes: line.attrs ?? {},
      });
    } else if (line.op === 'gone') {
      live.delete(key(line.q, line.id));
    }
  }
  return [...live.values()];
}
