/**
 * Cold-start proxies: each Lambda handler bundled exactly as the stack bundles it, then its
 * size and how long Node takes to load it (module init included) in fresh processes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { EnvName } from '../lambda/configuration/env-names';
import {
  deployTimeRouting,
  rolloutAlarmsEnvironment,
  rolloutControllerEnvironment,
  rolloutReportEnvironment,
  routerEnvironment,
  workerEnvironment,
} from '../lib/config/function-environments';
import { stages } from '../lib/config/stages';
import { deployedEntry, HANDLER_NAMES, LAMBDA_ESBUILD_OPTIONS } from '../lib/constructs/esm-bundling';
import { bytes, ms, table } from './markdown';

const run = promisify(execFile);

export interface BundleResult {
  readonly handler: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  /** Median time of `import(bundle)` in a fresh `node`, ms, with --enable-source-maps as deployed. */
  readonly loadMs: number;
  /** The same without --enable-source-maps. */
  readonly loadMsWithoutSourceMaps: number;
  readonly loads: number;
  /** Largest contributors to the bundle (bytes in the output), by package or folder. */
  readonly contributors: { name: string; bytes: number }[];
  /** For each package, who imports it (our files, else other packages): why it is in the bundle. */
  readonly importedBy: Record<string, string[]>;
  readonly loadError?: string;
  /** The same function from a bundle kept by an earlier run (`--baseline DIR`), loaded in turn with this one. */
  readonly baseline?: {
    readonly file: string;
    readonly bytes: number;
    readonly gzipBytes: number;
    readonly sourceMapBytes: number;
    readonly loadMs: number;
    readonly loadMsWithoutSourceMaps: number;
  };
}

/**
 * The environment a deployed function sees at init, so module-scope code (settings, clients,
 * comparator parsing) runs as in Lambda. Endpoints point at a closed port: init makes no calls.
 */
export function initEnvironment(): Record<string, string> {
  const prod = stages.prod;
  const routing = deployTimeRouting(prod);
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    // What the Lambda runtime sets (Powertools reads them at init).
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(prod.router.memoryMb),
    POWERTOOLS_SERVICE_NAME: 'shadow-rollout-prod',
    POWERTOOLS_METRICS_NAMESPACE: 'ShadowRollout',
    // Each function's variables as the stack maps them (the union: one environment serves all).
    ...routerEnvironment({
      routing,
      limits: prod.router,
      shadowQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/shadow',
      runtimeConfigTable: 'runtime-config',
      userKeySalt: { value: 'bench' },
    }),
    ...workerEnvironment({ comparisonTable: 'comparisons', shadow: prod.shadow, limits: prod.worker }),
    ...rolloutReportEnvironment({
      routing,
      runtimeConfigTable: 'runtime-config',
      guardrails: prod.guardrails,
    }),
    ...rolloutControllerEnvironment({
      routing,
      runtimeConfigTable: 'runtime-config',
      guardrails: prod.guardrails,
      breaker: prod.rollout.breaker,
      shadowQueueName: 'shadow',
    }),
    ...rolloutAlarmsEnvironment({
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:alarms',
      guardrailAlarmNames: ['prod-Canary-ErrorRate-Critical'],
    }),
    // The evidence log as the stack wires it: the worker's and outcomes' stream, the report's workgroup.
    [EnvName.evidenceStreamName]: 'shadow-rollout-prod-evidence-records',
    [EnvName.analysisWorkGroup]: 'shadow-rollout-prod-analysis',
    [EnvName.analysisDatabase]: 'shadow_rollout_prod',
  };
}

export async function measureBundles(options: {
  readonly loads: number;
  readonly log: (line: string) => void;
  /** Write the bundles to DIR/<handler>/ and keep them, to serve as another run's baseline. */
  readonly keepDir?: string;
  /** Bundles kept by an earlier run (e.g. on the previous commit), loaded in turn with these. */
  readonly baselineDir?: string;
}): Promise<BundleResult[]> {
  const outDir = options.keepDir ?? mkdtempSync(join(tmpdir(), 'shadow-rollout-bundles-'));
  if (options.keepDir) mkdirSync(options.keepDir, { recursive: true });
  try {
    const results: BundleResult[] = [];
    for (const handler of HANDLER_NAMES) {
      options.log(`  ${handler}: bundling and loading ${options.loads}× in fresh processes…`);
      results.push(
        await measureOne(
          deployedEntry(handler),
          join(outDir, handler),
          options.loads,
          handler,
          options.baselineDir,
        ),
      );
    }
    return results;
  } finally {
    if (!options.keepDir) rmSync(outDir, { recursive: true, force: true });
  }
}

/** Bundles one function exactly as the stack does (LAMBDA_ESBUILD_OPTIONS), then loads it. */
export async function bundleAsDeployed(
  entry: string,
  outDir: string,
): Promise<{ outfile: string; metafile: Metafile }> {
  const outfile = join(outDir, 'index.mjs');
  const { metafile } = await build({
    ...LAMBDA_ESBUILD_OPTIONS,
    entryPoints: [entry],
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  return { outfile, metafile };
}

async function measureOne(
  entry: string,
  outDir: string,
  loads: number,
  handler: string,
  baselineDir: string | undefined,
): Promise<BundleResult> {
  const { outfile, metafile } = await bundleAsDeployed(entry, outDir);
  const baselineFile = baselineDir === undefined ? undefined : baselineBundle(baselineDir, handler);
  const base = {
    handler,
    ...sizes(outfile),
    loads,
    contributors: contributors(metafile, outfile),
    importedBy: importersByPackage(metafile),
  };
  try {
    const [self, baseline] = await medianLoadMs([outfile, ...(baselineFile ? [baselineFile] : [])], loads);
    return {
      ...base,
      ...(self as LoadTimes),
      ...(baselineFile && baseline
        ? { baseline: { file: baselineFile, ...sizes(baselineFile), ...baseline } }
        : {}),
    };
  } catch (error) {
    return {
      ...base,
      loadMs: Number.NaN,
      loadMsWithoutSourceMaps: Number.NaN,
      loadError: String((error as Error).message).slice(0, 300),
    };
  }
}

function sizes(file: string): { bytes: number; gzipBytes: number; sourceMapBytes: number } {
  const code = readFileSync(file);
  return {
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sourceMapBytes: statSync(`${file}.map`).size,
  };
}

/** A bundle kept by an earlier run (`--keep DIR`, on another commit): `DIR/<handler>/index.mjs` (or `.js`). */
function baselineBundle(dir: string, handler: string): string | undefined {
  return ['index.mjs', 'index.js'].map((name) => join(dir, handler, name)).find((file) => existsSync(file));
}

interface LoadTimes {
  readonly loadMs: number;
  readonly loadMsWithoutSourceMaps: number;
}

/**
 * Loads each bundle in fresh `node` processes, round-robin across bundles and alternating with
 * and without source maps, so drift in the machine's load hits all alike; the median in-process
 * load time of each, in ms, module init included (`import()` for an ES module, `require()` for a
 * CommonJS bundle of an older commit). The environment is prod's, whose router sends before
 * answering and so registers no extension.
 */
async function medianLoadMs(bundles: readonly string[], loads: number): Promise<LoadTimes[]> {
  const once = async (bundle: string, flags: string[]) => {
    const esm = bundle.endsWith('.mjs');
    const script = [
      'const started = process.hrtime.bigint();',
      esm
        ? `await import(${JSON.stringify(pathToFileURL(bundle).href)});`
        : `require(${JSON.stringify(bundle)});`,
      'const ms = Number(process.hrtime.bigint() - started) / 1e6;',
      'process.stdout.write(JSON.stringify({ ms }));',
    ].join('\n');
    const { stdout } = await run(
      process.execPath,
      [...flags, ...(esm ? ['--input-type=module'] : []), '-e', script],
      { env: initEnvironment(), timeout: 30_000 },
    );
    return (JSON.parse(stdout) as { ms: number }).ms;
  };
  const withMaps = bundles.map((): number[] => []);
  const withoutMaps = bundles.map((): number[] => []);
  for (let i = 0; i < loads; i++) {
    // Alternate which bundle goes first, so neither always follows the other.
    const order = bundles.map((_, k) => k);
    if (i % 2 === 1) order.reverse();
    for (const k of order) {
      withMaps[k]?.push(await once(bundles[k] as string, ['--enable-source-maps']));
      withoutMaps[k]?.push(await once(bundles[k] as string, []));
    }
  }
  return bundles.map((_, k) => ({
    loadMs: median(withMaps[k] ?? []),
    loadMsWithoutSourceMaps: median(withoutMaps[k] ?? []),
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Package → who imports it: our own files (lambda/, lib/, local/) when any do directly,
 * otherwise the packages that do, so a big dependency can be traced to the import to change.
 */
export function importersByPackage(metafile: Metafile): Record<string, string[]> {
  const ours: Record<string, Set<string>> = {};
  const packages: Record<string, Set<string>> = {};
  for (const [path, input] of Object.entries(metafile.inputs)) {
    const from = contributorOf(path);
    const firstParty = !path.includes('node_modules');
    for (const imported of input.imports) {
      if (!imported.path.includes('node_modules')) continue;
      const pkg = contributorOf(imported.path);
      if (pkg === from) continue;
      const into = firstParty ? ours : packages;
      const importers = into[pkg] ?? new Set<string>();
      importers.add(firstParty ? path.replace(/^(\.\.\/)+/, '') : from);
      into[pkg] = importers;
    }
  }
  const result: Record<string, string[]> = {};
  for (const pkg of new Set([...Object.keys(ours), ...Object.keys(packages)])) {
    result[pkg] = [...(ours[pkg] ?? packages[pkg] ?? [])].sort();
  }
  return result;
}

/** Bytes in the output by package (node_modules/<pkg>) or, for our code, by top folder. */
export function contributors(metafile: Metafile, outfile: string): { name: string; bytes: number }[] {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(path) === resolve(outfile))?.[1];
  if (!output) return [];
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = contributorOf(path);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, b]) => ({ name, bytes: b })).sort((x, y) => y.bytes - x.bytes);
}

/** The package a bundled file belongs to, or for our code its top folder (e.g. lambda/core). */
export function contributorOf(path: string): string {
  const normalized = path.replaceAll('\\', '/');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(normalized)?.[1];
  if (pkg) return pkg;
  return /(?:^|\/)((?:lambda|lib|local)\/[^/]+)/.exec(normalized)?.[1] ?? path;
}

export function renderBundles(results: readonly BundleResult[]): string {
  const out: string[] = [];
  const loads = results[0]?.loads ?? 0;
  out.push(
    `Each function bundled as the stack bundles it (lib/constructs/esm-bundling.ts: ES module, platform node, target node24, minify, source map without sources, AWS SDK inside, SDK stand-ins for the credential chain and event streams). Load time is the median of ${loads} fresh \`node\` processes timing \`import(bundle)\` with the deployed environment set so module init runs (settings, SDK clients, comparator); with \`--enable-source-maps\` as the stack sets NODE_OPTIONS, and without. This is a proxy for Lambda's INIT phase, not a measurement of it.\n`,
  );
  out.push(
    table(
      [
        'handler',
        'bundle',
        'gzip',
        'source map',
        'load ms (as deployed)',
        'load ms (no source maps)',
        'top contributors',
      ],
      results.map((r) => [
        r.handler,
        bytes(r.bytes),
        bytes(r.gzipBytes),
        bytes(r.sourceMapBytes),
        r.loadError ? `failed: ${r.loadError}` : ms(r.loadMs, 1),
        r.loadError ? '–' : ms(r.loadMsWithoutSourceMaps, 1),
        r.contributors
          .slice(0, 5)
          .map((c) => `${c.name} ${bytes(c.bytes)}`)
          .join(', '),
      ]),
    ),
    '',
  );
  const compared = results.filter((r) => r.baseline !== undefined);
  if (compared.length > 0) {
    out.push(
      `Against the baseline bundles (\`--baseline\`, kept by a run on another commit), loaded in turn with these in the same ${loads} rounds so the machine's load hits both alike:\n`,
    );
    out.push(
      table(
        [
          'handler',
          'baseline bundle',
          'bundle',
          'size',
          'baseline load ms (as deployed)',
          'load ms (as deployed)',
          'ratio',
          'baseline load ms (no source maps)',
          'load ms (no source maps)',
          'ratio',
        ],
        compared.map((r) => {
          const b = r.baseline as NonNullable<BundleResult['baseline']>;
          return [
            r.handler,
            `${bytes(b.bytes)} (${b.file.endsWith('.mjs') ? 'ESM' : 'CJS'})`,
            bytes(r.bytes),
            `${((r.bytes / b.bytes - 1) * 100).toFixed(0)}%`,
            ms(b.loadMs, 1),
            ms(r.loadMs, 1),
            (r.loadMs / b.loadMs).toFixed(2),
            ms(b.loadMsWithoutSourceMaps, 1),
            ms(r.loadMsWithoutSourceMaps, 1),
            (r.loadMsWithoutSourceMaps / b.loadMsWithoutSourceMaps).toFixed(2),
          ];
        }),
      ),
      '',
    );
  }
  const router = results.find((r) => r.handler === 'router');
  if (router) {
    out.push(
      'What the router bundle is made of (top 12), and who pulls each package in (our files when they import it directly, else the importing packages):\n',
    );
    out.push(
      table(
        ['contributor', 'bytes in bundle', 'share', 'imported by'],
        router.contributors
          .slice(0, 12)
          .map((c) => [
            c.name,
            bytes(c.bytes),
            `${((c.bytes / router.bytes) * 100).toFixed(1)}%`,
            (router.importedBy[c.name] ?? ['–']).slice(0, 4).join(', '),
          ]),
      ),
      '',
    );
  }
  return out.join('\n');
}
