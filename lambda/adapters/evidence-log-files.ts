import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvidenceLine, EvidenceLog } from '../use-cases/ports/evidence';

/** The log's two folders: one line per request and candidate, one line per outcome post. */
export const EVIDENCE_FOLDERS = { record: 'records', outcome: 'outcomes' } as const;
export type EvidenceRelation = (typeof EVIDENCE_FOLDERS)[keyof typeof EVIDENCE_FOLDERS];

/**
 * A JSON-lines part file's name: `part-<writer>-<segment>.jsonl`, the writer being
 * `<start time base 36>-<pid>-<random>`. Files from before segments (`part-<writer>.jsonl`) read
 * as segment 0. Anything else (a file copied in by hand, the benchmark's) has no writer.
 */
export interface PartFileName {
  readonly writer: string;
  readonly pid: number;
  readonly segment: number;
}

const PART_FILE = /^part-([0-9a-z]+-(\d+)-[0-9a-f]+)(?:-(\d+))?\.jsonl$/;

export function parsePartFileName(name: string): PartFileName | undefined {
  const match = PART_FILE.exec(name);
  if (match === null) return undefined;
  return { writer: match[1] as string, pid: Number(match[2]), segment: Number(match[3] ?? 0) };
}

/**
 * Writers of this thread, by id: what compaction may treat as closed without a quiet period.
 * Another thread of the process (local mode's shadow-path thread) has its own: to this one, its
 * writers are like another process's.
 */
const liveWriters = new Map<string, JsonLinesEvidenceLog>();
const closedWriters = new Set<string>();

/** The segment each live writer of this thread appends to now (older segments are closed). */
export function currentSegments(): ReadonlyMap<string, number> {
  return new Map([...liveWriters].map(([writer, log]) => [writer, log.segment]));
}

/** Writers of this thread that append no more: all their files are final. */
export function closedWriterIds(): ReadonlySet<string> {
  return closedWriters;
}

/** When a writer's current segment is worth closing: by size, by age. */
export interface RotationPolicy {
  readonly minBytes?: number;
  readonly maxAgeMs?: number;
  readonly now?: number;
}

/**
 * Closes the current segment of every writer of this process that has written to it (all of them,
 * or those the policy picks), so compaction can take its files; resolves once the appends already
 * under way on older segments have landed.
 */
export async function rotateWriters(policy?: RotationPolicy): Promise<void> {
  await Promise.all(
    [...liveWriters.values()].map((log) =>
      policy === undefined || log.due(policy) ? log.rotate() : undefined,
    ),
  );
}

export interface JsonLinesEvidenceLogOptions {
  /** Bytes after which the writer moves on to a new segment (closing the old one). @default 64 MiB */
  readonly segmentBytes?: number;
  /**
   * Age after which the next append starts a new segment, so a writer no compaction schedule
   * rotates (one in another thread) still closes its files. @default 30 minutes
   */
  readonly segmentMaxAgeMs?: number;
}

/**
 * The evidence log as JSON-lines files under a folder (local mode and tests), in the same layout
 * as in S3: `records/dt=YYYY-MM-DD/part-<writer>-<segment>.jsonl`, `outcomes/dt=…/…`. Each
 * instance writes its own part files, so writers never interleave and a line cut short by a
 * killed process stays alone at the end of its file (analysis skips it). Appends to one file are
 * serialized; an append resolves once the operating system has the bytes (they survive the
 * process, not a power cut).
 *
 * Segments: a writer appends to segment N until it rotates (size, or `rotateWriters` before a
 * compaction), then to N+1 in every day folder. A closed segment's files never change again,
 * which is what lets compaction (`evidence-compaction.ts`) turn them into Parquet and remove them
 * without a lock shared with the writers.
 */
export class JsonLinesEvidenceLog implements EvidenceLog {
  readonly writer = `${Date.now().toString(36)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private current = 0;
  private bytesInSegment = 0;
  private segmentStartedMs = Date.now();
  private readonly segmentBytes: number;
  private readonly segmentMaxAgeMs: number;
  private readonly tails = new Map<string, Promise<void>>();
  private readonly folders = new Set<string>();

  constructor(
    readonly root: string,
    options: JsonLinesEvidenceLogOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.segmentMaxAgeMs = options.segmentMaxAgeMs ?? 30 * 60_000;
    liveWriters.set(this.writer, this);
  }

  /** Whether the current segment is due for rotation under the policy (never when empty). */
  due(policy: RotationPolicy): boolean {
    if (this.bytesInSegment === 0) return false;
    const now = policy.now ?? Date.now();
    return (
      this.bytesInSegment >= (policy.minBytes ?? 0) ||
      (policy.maxAgeMs !== undefined && now - this.segmentStartedMs >= policy.maxAgeMs)
    );
  }

  /** The segment appends go to now. */
  get segment(): number {
    return this.current;
  }

  async append(lines: readonly EvidenceLine[]): Promise<void> {
    if (this.bytesInSegment > 0 && Date.now() - this.segmentStartedMs >= this.segmentMaxAgeMs)
      this.nextSegment();
    const files = new Map<string, string[]>();
    for (const { kind, line } of lines) {
      const folder = join(this.root, EVIDENCE_FOLDERS[kind], `dt=${line.dt}`);
      const file = join(folder, `part-${this.writer}-${this.current}.jsonl`);
      const chunk = files.get(file) ?? [];
      chunk.push(JSON.stringify(line));
      files.set(file, chunk);
    }
    const writes = [...files].map(([file, chunk]) => {
      const text = `${chunk.join('\n')}\n`;
      this.bytesInSegment += Buffer.byteLength(text);
      return this.appendTo(file, text);
    });
    if (this.bytesInSegment >= this.segmentBytes) this.nextSegment();
    await Promise.all(writes);
  }

  /**
   * Moves on to a new segment if the current one has lines; resolves once every append already
   * queued on older segments has landed (or failed), so their files are final.
   */
  async rotate(): Promise<void> {
    if (this.bytesInSegment > 0) this.nextSegment();
    // Also after a rotation by size: appends queued on the old segment may still be under way.
    await Promise.all([...this.tails.values()].map((tail) => tail.catch(() => undefined)));
  }

  /** This writer appends no more (tests and shutdown): its segments are closed. */
  async close(): Promise<void> {
    await this.rotate();
    liveWriters.delete(this.writer);
    closedWriters.add(this.writer);
  }

  private nextSegment(): void {
    this.current += 1;
    this.bytesInSegment = 0;
    this.segmentStartedMs = Date.now();
  }

  private appendTo(file: string, text: string): Promise<void> {
    const previous = this.tails.get(file) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const folder = join(file, '..');
        if (!this.folders.has(folder)) {
          await mkdir(folder, { recursive: true });
          this.folders.add(folder);
        }
        await appendFile(file, text, 'utf8');
      });
    this.tails.set(file, next);
    // A settled tail of an old segment is dropped, so the map holds the files still in use.
    next
      .finally(() => {
        if (this.tails.get(file) === next) this.tails.delete(file);
      })
      .catch(() => undefined);
    return next;
  }
}
