import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVIDENCE_FOLDERS, JsonLinesEvidenceLog } from '../../lambda/adapters/evidence-log-files';
import type { EvidenceLine } from '../../lambda/use-cases/ports/evidence';
import { DAY0, outcomeLine, recordLine } from '../support/evidence-lines';

let root: string;
let opened: JsonLinesEvidenceLog[];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'evidence-files-'));
  opened = [];
});
afterEach(async () => {
  for (const log of opened) await log.close().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

/** A writer closed after the test (writers register process-wide for rotation). */
function evidenceLog(dir = root): JsonLinesEvidenceLog {
  const log = new JsonLinesEvidenceLog(dir);
  opened.push(log);
  return log;
}

/** Every line of every part file under one day folder, parsed. */
function linesIn(kind: keyof typeof EVIDENCE_FOLDERS, dt: string): unknown[] {
  const folder = join(root, EVIDENCE_FOLDERS[kind], `dt=${dt}`);
  return readdirSync(folder).flatMap((file) =>
    readFileSync(join(folder, file), 'utf8')
      .split('\n')
      .filter((text) => text !== '')
      .map((text) => JSON.parse(text)),
  );
}

describe('JsonLinesEvidenceLog', () => {
  it('writes records and outcomes as JSON lines under kind/dt=YYYY-MM-DD/part-<writer>.jsonl', async () => {
    // Arrange
    const day1 = recordLine({ requestId: 'a', receivedAtMs: DAY0 + 1000 });
    const day2 = recordLine({ requestId: 'b', receivedAtMs: DAY0 + 86_400_000 + 1000 });
    const posted = outcomeLine('a', DAY0 + 5000, { converted: true });
    // Act
    await evidenceLog().append([
      { kind: 'record', line: day1 },
      { kind: 'record', line: day2 },
      { kind: 'outcome', line: posted },
    ]);
    // Assert
    expect(readdirSync(join(root, 'records')).sort()).toEqual([`dt=${day1.dt}`, `dt=${day2.dt}`]);
    expect(readdirSync(join(root, 'records', `dt=${day1.dt}`))).toEqual([
      expect.stringMatching(/^part-[\w-]+\.jsonl$/),
    ]);
    expect(linesIn('record', day1.dt)).toEqual([day1]);
    expect(linesIn('record', day2.dt)).toEqual([day2]);
    expect(linesIn('outcome', posted.dt)).toEqual([posted]);
  });

  it('never interleaves concurrent appends: every line stays whole, none is lost', async () => {
    const log = evidenceLog();
    const batches = Array.from({ length: 40 }, (_, b) =>
      Array.from(
        { length: 25 },
        (_, i): EvidenceLine => ({
          kind: 'record',
          line: recordLine({ requestId: `r${b}-${i}`, reason: 'x'.repeat(2000) }),
        }),
      ),
    );
    await Promise.all(batches.map((batch) => log.append(batch)));
    const ids = linesIn('record', recordLine({ requestId: 'any' }).dt).map(
      (l) => (l as { requestId: string }).requestId,
    );
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
  });

  it('gives each writer its own part file, so two processes never write one file', async () => {
    const line = recordLine({ requestId: 'a' });
    await evidenceLog().append([{ kind: 'record', line }]);
    await evidenceLog().append([{ kind: 'record', line }]);
    expect(readdirSync(join(root, 'records', `dt=${line.dt}`))).toHaveLength(2);
  });

  it('keeps appending after a failed append (the next append is not stuck behind it)', async () => {
    // A file where the log's root folder should be: the first append fails.
    const log = evidenceLog(join(root, 'file-not-folder'));
    writeFileSync(join(root, 'file-not-folder'), 'x');
    await expect(log.append([{ kind: 'record', line: recordLine({ requestId: 'a' }) }])).rejects.toThrow();
    rmSync(join(root, 'file-not-folder'));
    await log.append([{ kind: 'record', line: recordLine({ requestId: 'b' }) }]);
    expect(readdirSync(join(root, 'file-not-folder', 'records'))).toHaveLength(1);
  });
});
