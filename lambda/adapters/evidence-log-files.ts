import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvidenceLine, EvidenceLog } from '../use-cases/ports/evidence';

/** The log's two folders: one line per request and candidate, one line per outcome post. */
export const EVIDENCE_FOLDERS = { record: 'records', outcome: 'outcomes' } as const;

/**
 * The evidence log as JSON-lines files under a folder (local mode and tests), in the same layout
 * as in S3: `records/dt=YYYY-MM-DD/part-<writer>.jsonl`, `outcomes/dt=…/…`. Each instance writes
 * its own part file per day, so writers never interleave and a line cut short by a killed
 * process stays alone at the end of its file (analysis skips it). Appends to one file are
 * serialized; an append resolves once the operating system has the bytes (they survive the
 * process, not a power cut).
 */
export class JsonLinesEvidenceLog implements EvidenceLog {
  private readonly writer = `${Date.now().toString(36)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly tails = new Map<string, Promise<void>>();
  private readonly folders = new Set<string>();

  constructor(readonly root: string) {}

  async append(lines: readonly EvidenceLine[]): Promise<void> {
    const files = new Map<string, string[]>();
    for (const { kind, line } of lines) {
      const folder = join(this.root, EVIDENCE_FOLDERS[kind], `dt=${line.dt}`);
      const file = join(folder, `part-${this.writer}.jsonl`);
      const chunk = files.get(file) ?? [];
      chunk.push(JSON.stringify(line));
      files.set(file, chunk);
    }
    await Promise.all([...files].map(([file, chunk]) => this.appendTo(file, `${chunk.join('\n')}\n`)));
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
    return next;
  }
}
