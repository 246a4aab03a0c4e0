import { UserError } from '../../core/errors';
import type { RuntimeConfigDocument } from '../../core/runtime-config';
import type { RuntimeConfigDocuments } from './ports';

export class ConcurrentChangeError extends UserError {
  override readonly name = 'ConcurrentChangeError';
}

export interface Written {
  readonly before: RuntimeConfigDocument | undefined;
  /** The stored document afterwards (`before` when nothing was written). */
  readonly after: RuntimeConfigDocument | undefined;
  readonly written: boolean;
}

/**
 * Reads the document, computes the next one from it and writes it on condition that nobody
 * wrote in between; after a concurrent write it computes again from the fresh document, so the
 * other writer's change is never overwritten, only built upon (or, when `compute` says so on the
 * fresh data, nothing is written). `compute` returning undefined writes nothing.
 */
export async function changeDocument(
  documents: RuntimeConfigDocuments,
  compute: (
    current: RuntimeConfigDocument | undefined,
  ) => RuntimeConfigDocument | undefined | Promise<RuntimeConfigDocument | undefined>,
  attempts = 3,
): Promise<Written> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const before = await documents.read();
    const next = await compute(before);
    if (next === undefined) return { before, after: before, written: false };
    if (await documents.replace(next, before?.version ?? 0)) return { before, after: next, written: true };
  }
  throw new ConcurrentChangeError('the runtime config kept changing concurrently; try again');
}
