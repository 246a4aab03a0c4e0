import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDbAnalysisEngine } from '../../../lambda/adapters/duckdb-analysis';
import { JsonLinesEvidenceLog } from '../../../lambda/adapters/evidence-log-files';
import { aggregatesFromRows } from '../../../lambda/core/evidence/aggregates-from-rows';
import type { OutcomeLine, RecordLine } from '../../../lambda/core/evidence/log-lines';
import {
  experimentDistributionsQuery,
  experimentTotalsQuery,
  type RequestsSource,
} from '../../../lambda/core/evidence/sql/experiment-aggregates.sql';
import {
  type ExperimentAggregates,
  type ExperimentRef,
  LATENCY_BUCKET_RATIO,
} from '../../../lambda/core/report/aggregates';
import { DAY0, evidenceArbitrary, NOT_REPLAYED, outcomeLine, recordLine } from '../../support/evidence-lines';
import {
  aggregatesByDay,
  aggregatesBySql,
  aggregatesOfSlice,
  EVIDENCE_SLICE,
  expectSameAggregates,
  servingArms,
} from '../../support/report';

const slice = EVIDENCE_SLICE;
const experiment = (canaryPercent: number): ExperimentRef => ({
  id: slice.experiment,
  since: new Date(slice.sinceMs).toISOString(),
  until: new Date(slice.untilMs).toISOString(),
  production: slice.production,
  candidates: [slice.candidate, 'churn-v3'],
  canaryPercent,
  sampleRate: 0.5,
});

interface Lines {
  readonly records: readonly RecordLine[];
  readonly outcomes: readonly OutcomeLine[];
}

/**
 * Writes the lines with the real file adapter and runs both statements in DuckDB: the shared
 * text (Athena's, over the raw lines) and local mode's (per request, over compacted request
 * lines), on the JSON lines as appended and again once compacted into Parquet, and local mode's
 * report over per-day partials (the slice's one whole day kept, the rest read). All must agree;
 * the shared text's result is returned (compared with the TypeScript oracle).
 */
async function sqlAggregates(lines: Lines, ref: ExperimentRef): Promise<ExperimentAggregates> {
  const dir = mkdtempSync(join(tmpdir(), 'evidence-sql-'));
  const engine = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
  const log = new JsonLinesEvidenceLog(dir);
  try {
    await log.append([
      ...lines.records.map((line) => ({ kind: 'record' as const, line })),
      ...lines.outcomes.map((line) => ({ kind: 'outcome' as const, line })),
    ]);
    const withUsers = { ...slice, perUser: ref.canaryPercent > 0 };
    const run = (source: RequestsSource) => aggregatesBySql(engine, withUsers, ref, source);
    const shared = await run('log');
    expectSameAggregates(await run('compacted'), shared);
    await log.close();
    await engine.compact({ quietMs: 0 });
    const recordsDir = join(dir, 'records');
    if (existsSync(recordsDir))
      expect(
        readdirSync(recordsDir, { recursive: true }).filter((f) => String(f).endsWith('.jsonl')),
      ).toEqual([]);
    expectSameAggregates(await run('compacted'), shared);
    expectSameAggregates(await run('log'), shared);
    // Local mode's report: the whole day inside the slice computed as a partial, then read with
    // the rest (reading kept days again: test/adapters/duckdb-day-partials.test.ts).
    expectSameAggregates(await aggregatesByDay(engine, withUsers, ref), shared);
    return shared;
  } finally {
    await log.close();
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The property tests run dozens of DuckDB reports each (~25 s on an idle 2-core machine): a
 * bound that holds on a loaded one, where the default 30 s did not.
 */
const PROPERTY_TIMEOUT_MS = 180_000;

const typescriptAggregates = (lines: Lines, ref: ExperimentRef) => aggregatesOfSlice(lines, slice, ref);

describe('experiment aggregates in SQL (DuckDB) against the TypeScript aggregator', () => {
  it(
    'agree on seeded random evidence, with and without a canary',
    async () => {
      await fc.assert(
        fc.asyncProperty(evidenceArbitrary, fc.constantFrom(0, 10), async (lines, canaryPercent) => {
          const ref = experiment(canaryPercent);
          expectSameAggregates(
            servingArms(await sqlAggregates(lines, ref)),
            typescriptAggregates(lines, ref),
          );
        }),
        { numRuns: 30 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'duplicated lines change nothing but the duplicate count',
    async () => {
      await fc.assert(
        fc.asyncProperty(evidenceArbitrary, async (lines) => {
          const ref = experiment(10);
          const once = await sqlAggregates(lines, ref);
          const twice = await sqlAggregates(
            {
              records: [...lines.records, ...lines.records],
              outcomes: [...lines.outcomes, ...lines.outcomes],
            },
            ref,
          );
          const linesInSlice = lines.records.filter(
            (l) =>
              l.experiment === slice.experiment &&
              l.receivedAtMs >= slice.sinceMs &&
              l.receivedAtMs < slice.untilMs,
          ).length;
          expectSameAggregates({ ...twice, duplicates: 0 }, { ...once, duplicates: 0 });
          expect(twice.duplicates).toBe(once.duplicates + linesInSlice);
        }),
        { numRuns: 10 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('joins outcomes posted before or after the comparison, split over fields, first post winning per field', async () => {
    const at = DAY0 + 86_400_000;
    const records = [
      recordLine({
        requestId: 'a',
        receivedAtMs: at,
        servedLabel: 'churn',
        candidateLabel: 'stay',
        agree: false,
        reason: 'labels differ',
      }),
      recordLine({ requestId: 'b', receivedAtMs: at, servedLabel: 'churn', candidateLabel: 'churn' }),
    ];
    const split = [
      // a: label before the comparison was made, conversion later, then a contradicting repost.
      outcomeLine('a', at - 1000, { label: 'stay' }),
      outcomeLine('a', at + 60_000, { converted: true }),
      outcomeLine('a', at + 120_000, { converted: false, label: 'churn' }),
      // b: everything in one post, a day later.
      outcomeLine('b', at + 86_400_000, { converted: false, label: 'churn', value: 12.5 }),
    ];
    const together = [
      outcomeLine('a', at, { label: 'stay', converted: true }),
      outcomeLine('b', at, { converted: false, label: 'churn', value: 12.5 }),
    ];
    const ref = experiment(10);
    const fromSplit = await sqlAggregates({ records, outcomes: split }, ref);
    const fromOne = await sqlAggregates({ records, outcomes: together }, ref);

    expectSameAggregates(fromSplit, fromOne);
    // a: production wrong, candidate right; b: both right.
    expect(fromSplit.shadow.accuracy).toEqual({ n00: 0, n01: 1, n10: 0, n11: 1 });
    expect(fromSplit.outcomes).toEqual({ converted: 2, labelled: 2, withValue: 1 });
    expect(fromSplit.canary.find((arm) => arm.variant === 'production')?.conversion).toMatchObject({
      sumM: 2,
      sumY: 1,
    });
  });
});

describe('the sample-ratio counts while lines keep arriving', () => {
  it('come from one statement: a line appended between the two statements never makes more sampled than seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evidence-sql-growing-'));
    const engine = await DuckDbAnalysisEngine.open(dir, { threads: 1 });
    try {
      const log = new JsonLinesEvidenceLog(dir);
      const at = DAY0 + 86_400_000;
      const production = (i: number) =>
        recordLine({ requestId: `p${i}`, receivedAtMs: at + i, userKey: `u${i}`, shadowSampled: true });
      const canary = (i: number) =>
        recordLine({
          requestId: `c${i}`,
          receivedAtMs: at + i,
          userKey: `c${i}`,
          servedVariant: 'canary',
          servedEndpoint: slice.candidate,
          ...NOT_REPLAYED,
        });
      await log.append([production(1), production(2), canary(3)].map((line) => ({ kind: 'record', line })));
      const withUsers = { ...slice, perUser: true };
      const totals = experimentTotalsQuery(withUsers);
      const totalRows = await engine.query(totals.sql, totals.parameters);
      // A canary-served request lands between the statements (the worker appends all the time).
      await log.append([{ kind: 'record', line: canary(4) }]);
      const distributions = experimentDistributionsQuery(withUsers);
      const aggregates = aggregatesFromRows({
        experiment: experiment(50),
        candidate: slice.candidate,
        bucketMinutes: slice.bucketMinutes,
        totals: totalRows,
        distributions: await engine.query(distributions.sql, distributions.parameters),
      });
      const canaryServed = aggregates.canary.find((arm) => arm.variant === 'canary')?.requests ?? 0;
      // Whichever snapshot the counts come from, they come from the same one: the two
      // production-served, sampled requests and the canary requests of that snapshot.
      expect(aggregates.shadowSampled).toBe(2);
      expect(aggregates.requestsSeen).toBe(2 + canaryServed);
    } finally {
      engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a canary served by another candidate than the judged one', () => {
  it('is reported under the endpoint that served it, never as the judged candidate’s arm', async () => {
    const at = DAY0 + 86_400_000;
    const ref: ExperimentRef = { ...experiment(50), candidates: ['churn-v3', slice.candidate] };
    const records = [
      // Production answers, replayed to the judged candidate.
      recordLine({ requestId: 'p1', receivedAtMs: at, userKey: 'u1' }),
      recordLine({ requestId: 'p2', receivedAtMs: at + 1, userKey: 'u2' }),
      // The canary (churn-v3) answers; the judged churn-v2 never served anyone.
      ...['c1', 'c2', 'c3'].map((requestId, i) =>
        recordLine({
          requestId,
          receivedAtMs: at + 2 + i,
          userKey: `canary-user-${i}`,
          servedVariant: 'canary',
          servedEndpoint: 'churn-v3',
          ...NOT_REPLAYED,
        }),
      ),
    ];
    const outcomes = ['p1', 'p2', 'c1', 'c2', 'c3'].map((id, i) =>
      outcomeLine(id, at + 60_000, { converted: i < 2 }),
    );
    const sql = await sqlAggregates({ records, outcomes }, ref);
    const canaryArm = sql.canary.find((arm) => arm.variant === 'canary');
    expect(canaryArm).toMatchObject({ endpoint: 'churn-v3', requests: 3, users: 3 });
    expect(canaryArm?.conversion).toMatchObject({ sumM: 3, sumY: 0 });
    expectSameAggregates(servingArms(sql), typescriptAggregates({ records, outcomes }, ref));
  });
});

describe('latency histograms from the two histogram grouping sets', () => {
  it('put each call in the histograms it belongs to, as the TypeScript aggregator does', async () => {
    const at = DAY0 + 86_400_000;
    const records = [
      // A shadow pair: production 20 ms, the candidate's replay 25 ms.
      recordLine({ requestId: 'pair', receivedAtMs: at, servedLatencyMs: 20, candidateLatencyMs: 25 }),
      // Production refused the request (4xx); the candidate's replay still counts as its call.
      recordLine({
        requestId: 'refused',
        receivedAtMs: at + 1,
        servedStatus: 'client_error',
        servedErrorCode: 'model_error',
        servedLabel: null,
        servedLatencyMs: 300,
        candidateLatencyMs: 400,
        agree: null,
      }),
      // The canary served it: a candidate call and the canary arm, no pair.
      recordLine({
        requestId: 'canary',
        receivedAtMs: at + 2,
        servedVariant: 'canary',
        servedEndpoint: slice.candidate,
        servedLatencyMs: 900,
        ...NOT_REPLAYED,
      }),
      // Production alone.
      recordLine({ requestId: 'alone', receivedAtMs: at + 3, servedLatencyMs: 50, ...NOT_REPLAYED }),
    ];
    const ref = experiment(10);
    const lines = { records, outcomes: [] };
    const sql = servingArms(await sqlAggregates(lines, ref));
    expectSameAggregates(sql, typescriptAggregates(lines, ref));
    // The SQL's bucket of a latency: floor(ln(ms) / ln(ratio)).
    const b = (ms: number) => Math.floor(Math.log(ms) / Math.log(LATENCY_BUCKET_RATIO));
    expect(sql.production.latency).toEqual([
      [b(20), 1],
      [b(50), 1],
    ]);
    expect(sql.candidateCalls.latency).toEqual([
      [b(25), 1],
      [b(400), 1],
      [b(900), 1],
    ]);
    expect(sql.shadow.productionLatency).toEqual([[b(20), 1]]);
    expect(sql.shadow.candidateLatency).toEqual([[b(25), 1]]);
    expect(sql.canary.find((arm) => arm.variant === 'canary')?.latency).toEqual([[b(900), 1]]);
    expect(sql.canary.find((arm) => arm.variant === 'production')?.latency).toEqual([
      [b(20), 1],
      [b(50), 1],
    ]);
  });
});
