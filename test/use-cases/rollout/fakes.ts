import type { StepEvidence } from '../../../lambda/core/rollout/rollout';
import type { RuntimeConfigDocument } from '../../../lambda/core/runtime-config';
import type {
  RolloutNotification,
  RuntimeConfigDocuments,
  VerdictRequest,
  VerdictSource,
} from '../../../lambda/use-cases/rollout/ports';

/** The runtime config document in memory, with the same version condition as DynamoDB. */
export class InMemoryDocuments implements RuntimeConfigDocuments {
  doc: RuntimeConfigDocument | undefined;
  /** Runs once, between the next read and its replace: a concurrent writer. */
  interleave: (() => void) | undefined;
  writes = 0;

  async read(): Promise<RuntimeConfigDocument | undefined> {
    const doc = this.doc;
    const other = this.interleave;
    this.interleave = undefined;
    other?.();
    return doc === undefined ? undefined : structuredClone(doc);
  }

  async replace(document: RuntimeConfigDocument, expectedVersion: number): Promise<boolean> {
    if ((this.doc?.version ?? 0) !== expectedVersion) return false;
    this.doc = structuredClone(document);
    this.writes += 1;
    return true;
  }
}

/** A verdict per call, and the requests it was asked. */
export class ScriptedVerdicts implements VerdictSource {
  readonly requests: VerdictRequest[] = [];
  constructor(public next: StepEvidence | Error) {}
  async currentVerdict(request: VerdictRequest): Promise<StepEvidence> {
    this.requests.push(request);
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

export class RecordingNotifier {
  readonly sent: RolloutNotification[] = [];
  async notify(notification: RolloutNotification): Promise<void> {
    this.sent.push(notification);
  }
}

export class CountingMetrics {
  readonly counts: Record<string, number> = {};
  count(name: string, value = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }
}
