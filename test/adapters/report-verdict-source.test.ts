import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import { DuckDbAnalysisEngine } from '../../lambda/adapters/duckdb-analysis';
import { JsonLinesEvidenceLog } from '../../lambda/adapters/evidence-log-files';
import { ReportForVerdictSource, verdictEvidence } from '../../lambda/adapters/report-verdict-source';
import type { ExperimentStart } from '../../lambda/core/experiment';
import type { Report } from '../../lambda/core/report/types';
import type { AnalysisEngine } from '../../lambda/use-cases/ports/evidence';
import { DAY0, recordLine } from '../support/evidence-lines';
import { GUARDRAILS, times } from '../support/report';

const STEP: ExperimentStart = {
  id: 'v7',
  startedAt: new Date(DAY0).toISOString(),
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  canaryPercent: 0,
  sampleRate: 1,
};
const NOW = new Date(DAY0 + 3_600_000 * 5);
const request = {
  experimentSince: new Date(DAY0),
  now: NOW,
  candidate: 'churn-v2',
  production: 'churn-v1',
  guardrails: GUARDRAILS,
};
const OPTIONS = { answerWithinMs: 20_000, analysisTimeoutMs: 60_000, maxLookbackDays: 31 };

function source(engine: AnalysisEngine, options = OPTIONS) {
  return new ReportForVerdictSource(
    {
      engine,
      experiments: { current: async () => STEP, recent: async () => [STEP] },
      cache: new InMemoryAnalysisCache(),
    },
    options,
  );
}

describe('ReportForVerdictSource over the evidence log (DuckDB)', () => {
  let dir: string;
  let engine: DuckDbAnalysisEngine;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-source-'));
    engine = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
  });
  afterEach(() => {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('judges the step’s own records: a candidate failing 30 % of its calls is rejected on errors', async () => {
    // Arrange: 200 comparisons in this step, 60 candidate failures; one record of another experiment
    const failed = {
      candidateStatus: 'error',
      candidateLatencyMs: 5000,
      candidateLabel: null,
      agree: null,
    } as const;
    const log = new JsonLinesEvidenceLog(dir);
    await log.append([
      ...times(200, (i) => ({
        kind: 'record' as const,
        line: recordLine({
          requestId: `r${i}`,
          experiment: 'v7',
          receivedAtMs: DAY0 + 60_000 + i * 1000,
          ...(i % 10 < 3 ? failed : {}),
        }),
      })),
      { kind: 'record', line: recordLine({ requestId: 'old', experiment: 'v6', receivedAtMs: DAY0 + 1000 }) },
    ]);
    await log.close();
    // Act
    const evidence = await source(engine).currentVerdict(request);
    // Assert
    expect(evidence).toMatchObject({ decision: 'REJECT', guardrail: 'maxErrorRate', samples: 200 });
    expect(evidence.summary).toMatch(/^200 records, 140 compared; maxErrorRate: /);
  });
});

describe('ReportForVerdictSource while the analysis runs', () => {
  it('says CONTINUE with why, rather than waiting past its answer time', async () => {
    // An engine that never answers: the answer time is the only clock.
    const never: AnalysisEngine = { query: () => new Promise(() => undefined) };
    const evidence = await source(never, { ...OPTIONS, answerWithinMs: 1 }).currentVerdict(request);
    expect(evidence).toEqual({
      decision: 'CONTINUE',
      samples: 0,
      summary: 'the analysis of this step is still running',
    });
  });
});

describe('verdictEvidence', () => {
  const report = (verdict: Report['verdict'], records = 10, comparisons = 8) =>
    ({ verdict, samples: { records, comparisons } }) as unknown as Report;

  it('summarizes a PROMOTE as every guardrail met', () => {
    expect(verdictEvidence(report({ decision: 'PROMOTE', reasons: ['a', 'b'] }))).toEqual({
      decision: 'PROMOTE',
      samples: 10,
      summary: '10 records, 8 compared; every guardrail met',
    });
  });

  it('leads with the first two reasons, and bounds the summary at 400 characters', () => {
    const long = report({
      decision: 'REJECT',
      guardrail: 'minAgreement',
      reasons: ['x'.repeat(300), 'y'.repeat(300), 'z'],
    });
    const evidence = verdictEvidence(long);
    expect(evidence.guardrail).toBe('minAgreement');
    expect(evidence.summary).toHaveLength(400);
    expect(evidence.summary.endsWith('...')).toBe(true);
    expect(evidence.summary).not.toContain('z');
    expect(verdictEvidence(report({ decision: 'CONTINUE', reasons: [] })).summary).toBe(
      '10 records, 8 compared; no evidence yet',
    );
  });
});
