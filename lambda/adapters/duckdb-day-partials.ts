import { createHash, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  type ExperimentSlice,
  experimentDistributionsQuery,
  experimentTotalsQuery,
  mergedGroupsSql,
  type SqlStatement,
} from '../core/evidence/sql/experiment-aggregates.sql';
import { quote } from './evidence-compaction';

type Row = Record<string, unknown>;
const { max, min } = Math;

const DAY_MS = 86_400_000;
const day = (index: number) => new Date(index * DAY_MS).toISOString().slice(0, 10);

/**
 * Posts stamped this long before a day's partial was computed are taken to be in it: local mode
 * appends a post as it answers it (retries included, well within this), so a post stamped
 * earlier and appended after the computation would be a clock jump, not traffic.
 */
const LATE_POST_MARGIN_MS = 10 * 60_000;
/** A superseded merged file is removed after this long (a report reading it has finished). */
const SUPERSEDED_MERGE_MS = 10 * 60_000;
/** Partials of a slice no report asked for in this long are removed. */
const UNUSED_PARTIALS_MS = 7 * DAY_MS;

/** A day's records folder, as the engine lists it now. */
export interface RecordDay {
  /** Compacted request-lines files (`request_lines`), absolute paths. */
  readonly requestLines: readonly string[];
  /** Files not compacted to request lines yet (JSON lines, older Parquet layout). */
  readonly others: number;
}

/** What the day partials need of the engine. */
export interface PartialsHost {
  /** The evidence log's root; partials live in its `partials/` folder. */
  readonly logDir: string;
  query(
    sql: string,
    parameters: readonly (string | number)[],
    options?: { readonly deadline?: number; readonly onProgress?: (fraction: number) => void },
  ): Promise<Row[]>;
  /** The records folders by UTC day (YYYY-MM-DD). */
  recordDays(): Promise<ReadonlyMap<string, RecordDay>>;
}

/** A day's partial on disk: `<day>.json` (this), `<day>.parquet` (its first-level rows, if any). */
interface PartialMeta {
  /** The day's records files when it was computed: a compaction or late lines change it. */
  readonly signature: string;
  /** Epoch ms the computation started: posts stamped from `computedAtMs - margin` may be new. */
  readonly computedAtMs: number;
  /** Its rows of `experimentTotalsQuery` (time bucket, variant, role). */
  readonly totals: readonly Row[];
  /** Whether the day has first-level rows (`<day>.parquet`); a day without records has none. */
  readonly groups: boolean;
}

export interface ExperimentRows {
  readonly totals: Row[];
  readonly distributions: Row[];
}

/**
 * Local mode's report over per-day partial aggregates, so a report's cost does not grow with the
 * days an experiment has run (docs/evidence-log.md, "Day partials"). A day wholly inside the
 * slice whose records are all compacted keeps, per slice configuration, the rows the report's
 * two statements would give for it alone: the totals per time bucket (sums, minima, maxima: they
 * combine) and the distributions' first level (histogram counts, reasons, and the per-user sums
 * of that day, added to the user's other days before they are squared). A report reads the days
 * it has kept (their first-level rows merged into one file per set of days), computes the missing
 * or stale ones, one day at a time (one day's requests in memory; a report stopped by its
 * deadline keeps the days it finished), and runs the two statements over the rest (the first and
 * the current day, days with lines not compacted yet) with the kept days left out (`excludeMs`).
 * So a report costs the rest's requests plus one row per user and group, whatever the days.
 *
 * A kept day is stale, and computed again, when:
 * - its records folder changed (a compaction, late lines): the file signature;
 * - an outcome post stamped after its computation (less `LATE_POST_MARGIN_MS`) names one of its
 *   requests: an outcome can arrive days after its request, and merges into it.
 * The partials are a cache: deleting `partials/` costs one full report, never a wrong one.
 */
export async function experimentRowsByDay(
  host: PartialsHost,
  slice: ExperimentSlice,
  options: { readonly deadline?: number; readonly onProgress?: (fraction: number) => void } = {},
): Promise<ExperimentRows> {
  // One progress for the whole report: each query is a step (days computed, the rest's two
  // statements), reported as the share of steps done, never going back.
  const progress = { step: 0, steps: 3, shown: 0 };
  const run = (statement: SqlStatement) => {
    const step = progress.step++;
    const report = options.onProgress;
    return host.query(statement.sql, statement.parameters, {
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      ...(report === undefined
        ? {}
        : {
            onProgress: (fraction: number) => {
              progress.shown = max(progress.shown, min(1, (step + fraction) / progress.steps));
              report(progress.shown);
            },
          }),
    });
  };
  const whole = async (part: ExperimentSlice, kept?: string) => ({
    totals: await run(experimentTotalsQuery(part, 'compacted')),
    distributions: await run(
      experimentDistributionsQuery(part, 'compacted', kept === undefined ? {} : { kept }),
    ),
  });
  const days = await keepableDays(host, slice);
  if (days.length === 0) return whole(slice);

  const folder = join(host.logDir, 'partials', sliceKey(slice));
  mkdirSync(folder, { recursive: true });
  const kept = new Map<number, PartialMeta>();
  for (const { index, signature } of days) {
    const meta = readMeta(folder, index);
    if (meta !== undefined && meta.signature === signature) kept.set(index, meta);
  }
  const first = days[0]?.index as number;
  const last = days[days.length - 1]?.index as number;
  for (const index of await daysWithLatePosts(slice, [first, last], kept, run)) kept.delete(index);

  const missing = days.filter(({ index }) => !kept.has(index));
  progress.steps += 2 * missing.length + 1;
  if (missing.length > 0) {
    const computed = await computeDays(folder, slice, missing, run);
    for (const [index, meta] of computed) kept.set(index, meta);
  }
  const now = new Date();
  utimesSync(folder, now, now);
  pruneUnused(join(host.logDir, 'partials'), folder);

  const rest: ExperimentSlice = { ...slice, excludeMs: [first * DAY_MS, (last + 1) * DAY_MS] };
  const merged = await mergedGroups(folder, days, kept, run);
  const rows = await whole(rest, merged === undefined ? undefined : `read_parquet(${quote(merged)})`);
  return {
    totals: [...rows.totals, ...days.flatMap(({ index }) => kept.get(index)?.totals ?? [])],
    distributions: rows.distributions,
  };
}

/**
 * The days a report may keep: wholly inside the slice, and (the longest such run of consecutive
 * days, so the rest is one range) every records file of theirs compacted to request lines.
 */
async function keepableDays(
  host: PartialsHost,
  slice: ExperimentSlice,
): Promise<{ index: number; signature: string }[]> {
  const firstWhole = Math.ceil(slice.sinceMs / DAY_MS);
  const lastWhole = Math.floor(slice.untilMs / DAY_MS) - 1;
  if (lastWhole < firstWhole) return [];
  const folders = await host.recordDays();
  let best: { index: number; signature: string }[] = [];
  let run: { index: number; signature: string }[] = [];
  for (let index = firstWhole; index <= lastWhole; index++) {
    const folder = folders.get(day(index));
    if (folder !== undefined && folder.others > 0) {
      run = [];
      continue;
    }
    run.push({ index, signature: signatureOf(folder?.requestLines ?? []) });
    if (run.length > best.length) best = run;
  }
  return best;
}

function signatureOf(files: readonly string[]): string {
  return files
    .map((file) => {
      const stat = statSync(file, { throwIfNoEntry: false });
      return `${file}:${stat?.size ?? -1}:${stat?.mtimeMs ?? -1}`;
    })
    .sort()
    .join('\n');
}

/** Everything the kept rows depend on besides the day: the slice's configuration. */
function sliceKey(slice: ExperimentSlice): string {
  const postsFrom = day(Math.floor(((slice.postsSinceMs ?? slice.sinceMs) - DAY_MS) / DAY_MS));
  const configuration = JSON.stringify([
    slice.experiment,
    slice.production,
    slice.candidate,
    slice.bucketMinutes,
    slice.perUser ?? true,
    postsFrom,
  ]);
  const hash = createHash('sha256').update(configuration).digest('hex').slice(0, 16);
  return `${slice.experiment.replace(/[^A-Za-z0-9._-]/g, '_')}-${hash}`;
}

function readMeta(folder: string, index: number): PartialMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(folder, `${day(index)}.json`), 'utf8')) as PartialMeta;
    if (meta.groups && !existsSync(join(folder, `${day(index)}.parquet`))) return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

/**
 * Kept days an outcome post stamped after their computation (less the margin) points into. The
 * posts that recent are few (minutes of traffic) and mostly for requests of the days read anyway:
 * only the others (late outcomes, requests never recorded) are looked up among the kept days'
 * requests, so in the usual case no kept day's request ids are read at all.
 */
async function daysWithLatePosts(
  slice: ExperimentSlice,
  keptRange: readonly [number, number],
  kept: ReadonlyMap<number, PartialMeta>,
  run: (statement: SqlStatement) => Promise<Row[]>,
): Promise<number[]> {
  if (kept.size === 0) return [];
  const [first, last] = keptRange;
  const oldest = Math.min(...[...kept.values()].map((meta) => meta.computedAtMs)) - LATE_POST_MARGIN_MS;
  const since = new Date(oldest).toISOString();
  const keptDays = [day(first), day(last)];
  const rows = await run({
    sql: `WITH recent AS (
  SELECT requestId, max(postedAt) AS last_post FROM outcomes WHERE dt >= ? AND postedAt >= ? GROUP BY requestId
),
elsewhere AS (
  SELECT requestId FROM request_lines WHERE experiment = ? AND NOT (dt BETWEEN ? AND ?) AND requestId IN (SELECT requestId FROM recent)
  UNION ALL
  SELECT requestId FROM fresh_records WHERE requestId IN (SELECT requestId FROM recent)
),
unexplained AS (
  SELECT requestId, last_post FROM recent WHERE requestId NOT IN (SELECT requestId FROM elsewhere)
)
SELECT CAST(FLOOR(CAST(r.receivedAtMs AS DOUBLE) / ${DAY_MS}.0) AS BIGINT) AS day_index, max(u.last_post) AS last_post
FROM request_lines r JOIN unexplained u ON u.requestId = r.requestId
WHERE r.experiment = ? AND r.dt BETWEEN ? AND ?
GROUP BY 1`,
    parameters: [since.slice(0, 10), since, slice.experiment, ...keptDays, slice.experiment, ...keptDays],
  });
  return rows
    .filter((row) => {
      const meta = kept.get(Number(row.day_index));
      return (
        meta !== undefined && Date.parse(String(row.last_post)) >= meta.computedAtMs - LATE_POST_MARGIN_MS
      );
    })
    .map((row) => Number(row.day_index));
}

/**
 * The missing days, one at a time (a day's requests at most in memory, whatever the number of
 * days): its totals rows into `<day>.json`, its first-level rows into `<day>.parquet`.
 */
async function computeDays(
  folder: string,
  slice: ExperimentSlice,
  missing: readonly { index: number; signature: string }[],
  run: (statement: SqlStatement) => Promise<Row[]>,
): Promise<Map<number, PartialMeta>> {
  const result = new Map<number, PartialMeta>();
  for (const { index, signature } of missing) {
    const computedAtMs = Date.now();
    const part: ExperimentSlice = {
      ...slice,
      sinceMs: index * DAY_MS,
      untilMs: (index + 1) * DAY_MS,
      postsSinceMs: slice.postsSinceMs ?? slice.sinceMs,
    };
    const totals = await run(experimentTotalsQuery(part, 'compacted'));
    const groups = experimentDistributionsQuery(part, 'compacted', { firstLevel: true });
    const target = join(folder, `${day(index)}.parquet`);
    const staging = `${target}.${randomUUID()}.tmp`;
    const [written] = await run({
      sql: `COPY (${groups.sql}) TO ${quote(staging)} (FORMAT parquet)`,
      parameters: groups.parameters,
    });
    const rows = Number(written?.Count ?? 0);
    if (rows > 0) renameSync(staging, target);
    else rmSync(staging, { force: true });
    const meta: PartialMeta = { signature, computedAtMs, totals, groups: rows > 0 };
    writeFileSync(`${join(folder, day(index))}.json.tmp`, JSON.stringify(meta));
    renameSync(`${join(folder, day(index))}.json.tmp`, join(folder, `${day(index)}.json`));
    result.set(index, meta);
  }
  return result;
}

/**
 * The kept days' first-level rows added up per group (per user, over all the days) in one file,
 * written when the kept days change (a new whole day, one computed again): a report then reads
 * one row per user and group, not one per day.
 */
async function mergedGroups(
  folder: string,
  days: readonly { index: number }[],
  kept: ReadonlyMap<number, PartialMeta>,
  run: (statement: SqlStatement) => Promise<Row[]>,
): Promise<string | undefined> {
  const parts = days.filter(({ index }) => kept.get(index)?.groups === true);
  if (parts.length === 0) return undefined;
  const identity = parts.map(({ index }) => `${index}:${kept.get(index)?.computedAtMs}`).join(',');
  const name = `merged-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}.parquet`;
  const target = join(folder, name);
  if (!existsSync(target)) {
    const files = parts.map(({ index }) => quote(join(folder, `${day(index)}.parquet`)));
    const staging = `${target}.${randomUUID()}.tmp`;
    await run({
      sql: `COPY (${mergedGroupsSql(`read_parquet([${files.join(', ')}])`)}) TO ${quote(staging)} (FORMAT parquet)`,
      parameters: [],
    });
    renameSync(staging, target);
  }
  // Older merged files go once no report can still be reading them (another process's report
  // may have chosen one a moment ago).
  const now = Date.now();
  for (const other of readdirSync(folder)) {
    if (!other.startsWith('merged-') || other === name) continue;
    const stat = statSync(join(folder, other), { throwIfNoEntry: false });
    if (stat !== undefined && now - stat.mtimeMs > SUPERSEDED_MERGE_MS)
      rmSync(join(folder, other), { force: true });
  }
  return target;
}

/** Removes other slices' partials no report has used for `UNUSED_PARTIALS_MS`. */
function pruneUnused(root: string, inUse: string): void {
  const now = Date.now();
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (!entry.isDirectory() || path === inUse) continue;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat !== undefined && now - stat.mtimeMs > UNUSED_PARTIALS_MS)
      rmSync(path, { recursive: true, force: true });
  }
}
