import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { bundleAsDeployed, initEnvironment } from '../../bench/bundles';
import { deployedEntry, HANDLER_NAMES, type HandlerName } from '../../lib/constructs/esm-bundling';

/**
 * Every deployed function bundled with the stack's own esbuild options (the ones
 * lib/constructs/service-function.ts hands to NodejsFunction; bundling.test.ts checks the synth
 * uses them), then checked by what esbuild put in: the weight the lean-Lambda work removed must
 * not come back unnoticed.
 */
const run = promisify(execFile);
const ROUTER_BUDGET_BYTES = 300 * 1024;

/** Packages no function may carry: the X-Ray SDK (maintenance since 2026-02-25) and what loads it. */
const NEVER_BUNDLED = ['aws-xray-sdk-core', '@aws-lambda-powertools/tracer', 'cls-hooked'];
/** What the SDK stand-ins replace (lambda/entries/sdk-stand-ins/). */
const REPLACED = [
  'node_modules/@aws-sdk/credential-provider-node/',
  'node_modules/@aws-sdk/nested-clients/',
  'node_modules/@smithy/core/dist-es/submodules/event-streams/',
  'node_modules/@aws-sdk/endpoint-cache/',
  'node_modules/mnemonist/',
];
/** One GetItem or GetSecretValue needs no Powertools Parameters (no function uses it). */
const PARAMETERS = 'node_modules/@aws-lambda-powertools/parameters/';
/** The document client is the comparison store's; the router and the rollback read one item with the plain client. */
const DOCUMENT_CLIENT = 'node_modules/@aws-sdk/lib-dynamodb/';
const WITHOUT_DOCUMENT_CLIENT: readonly HandlerName[] = ['router', 'rollback'];

interface Built {
  readonly outfile: string;
  readonly metafile: Metafile;
}

let outRoot: string;
const built = new Map<HandlerName, Built>();

beforeAll(async () => {
  outRoot = mkdtempSync(join(tmpdir(), 'deployed-bundles-'));
  for (const name of HANDLER_NAMES)
    built.set(name, await bundleAsDeployed(deployedEntry(name), join(outRoot, name)));
}, 120_000);

afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const builtFor = (name: HandlerName): Built => {
  const result = built.get(name);
  if (!result) throw new Error(`${name} was not bundled`);
  return result;
};
const inputsOf = (name: HandlerName): string[] => Object.keys(builtFor(name).metafile.inputs);

describe.each(HANDLER_NAMES)('the deployed %s bundle', (name) => {
  it('is an ES module that loads with the deployed environment and exports its handler', async () => {
    // Arrange
    const { outfile } = builtFor(name);
    const script = `const m = await import(${JSON.stringify(pathToFileURL(outfile).href)}); process.stdout.write(typeof m.handler);`;

    // Act
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: initEnvironment(),
      timeout: 30_000,
    });

    // Assert
    expect(outfile.endsWith('.mjs')).toBe(true);
    expect(stdout).toBe('function');
  });

  it('carries neither the X-Ray SDK, Powertools Parameters nor the SDK code its stand-ins replace', () => {
    const inputs = inputsOf(name);
    const unwanted = inputs.filter(
      (path) =>
        NEVER_BUNDLED.some((pkg) => path.includes(`node_modules/${pkg}/`)) ||
        REPLACED.some((replaced) => path.includes(replaced)) ||
        path.includes(PARAMETERS),
    );
    expect(unwanted).toEqual([]);
    expect(
      inputs.some((path) => path.includes('lambda/entries/sdk-stand-ins/credential-provider-node.ts')),
    ).toBe(true);
  });
});

it.each(WITHOUT_DOCUMENT_CLIENT)('the deployed %s bundle does not load lib-dynamodb', (name) => {
  expect(inputsOf(name).filter((path) => path.includes(DOCUMENT_CLIENT))).toEqual([]);
});

describe('the deployed router bundle', () => {
  it(`stays within ${ROUTER_BUDGET_BYTES / 1024} KiB minified`, () => {
    const bytes = readFileSync(builtFor('router').outfile).length;
    expect(bytes).toBeLessThanOrEqual(ROUTER_BUDGET_BYTES);
  });
});
