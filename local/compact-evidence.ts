import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDbAnalysisEngine } from '../lambda/adapters/duckdb-analysis';

/**
 * `npm run evidence:compact -- --data-dir DIR [--quiet-seconds 60]`: turns the closed JSON-lines
 * files of a local evidence log (`DIR/evidence`, as `npm start -- --data-dir DIR` keeps it) into
 * Parquet, as local mode does on its own at start and every 5 minutes. Safe while local mode
 * runs: it takes only files no writer appends to any more (docs/evidence-log.md, Compaction).
 */
async function main(): Promise<number> {
  let values: { 'data-dir'?: string; 'quiet-seconds'?: string };
  try {
    values = parseArgs({
      options: { 'data-dir': { type: 'string' }, 'quiet-seconds': { type: 'string', default: '60' } },
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message}; usage: npm run evidence:compact -- --data-dir DIR`);
  }
  const dataDir = values['data-dir'];
  if (!dataDir) return fail('--data-dir DIR is required (the folder given to npm start -- --data-dir)');
  const root = join(dataDir, 'evidence');
  if (!existsSync(root)) return fail(`${root} does not exist: no evidence log under --data-dir ${dataDir}`);
  const quietSeconds = Number(values['quiet-seconds']);
  if (!(quietSeconds >= 0)) return fail('--quiet-seconds must be a number of seconds, 0 or more');

  const engine = await DuckDbAnalysisEngine.open(root);
  try {
    const result = await engine.compact({ quietMs: quietSeconds * 1000 });
    if (result.skipped) {
      process.stdout.write('another compaction of this log is running; nothing done\n');
      return 0;
    }
    process.stdout.write(
      `compacted ${result.jsonFiles} JSON-lines file(s), ${(result.jsonBytes / 1e6).toFixed(1)} MB, into ${result.parquetFiles} Parquet file(s), ${(result.parquetBytes / 1e6).toFixed(1)} MB` +
        `${result.mergedFiles ? `, merging ${result.mergedFiles}` : ''}${result.rolledForward ? `; finished an interrupted run (${result.rolledForward} file(s) removed)` : ''} in ${result.ms} ms\n`,
    );
    return 0;
  } finally {
    engine.close();
  }
}

function fail(message: string): number {
  process.stderr.write(`evidence:compact: ${message}\n`);
  return 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`evidence:compact failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
