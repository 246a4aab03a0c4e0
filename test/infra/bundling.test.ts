import * as fs from 'node:fs';
import * as path from 'node:path';
import { logicalId, removeSynthOutput, synthFromContext } from './support/synth';

afterAll(removeSynthOutput);

// The one test that runs esbuild (locally, never Docker), for one stage to bound the time.
describe('prod synth with bundling', () => {
  it('bundles the router as an ES module with its source map and the AWS SDK inside', () => {
    const s = synthFromContext({ stage: 'prod' }, { bundle: true });

    const router = s.template.toJSON().Resources[logicalId(s.stack.router.handler.function)];
    const assetHash = String(router.Properties.Code.S3Key).replace(/\.zip$/, '');
    const assetDir = path.join(s.outdir, `asset.${assetHash}`);
    // An ES module (index.mjs): its init awaits the after-response extension's registration.
    expect(router.Properties.Handler).toBe('index.handler');
    const bundle = fs.readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');

    expect(bundle.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(assetDir, 'index.mjs.map'))).toBe(true);
    // CommonJS dependencies inside an ES module still need `require` for Node built-ins.
    expect(bundle.startsWith("import { createRequire } from 'node:module';")).toBe(true);
    expect(bundle).toContain('shadow-rollout-after-response');
    // Nothing left for the runtime to provide: the SDK versions are the ones in package-lock.json.
    // The only requires left are the SDK's optional SigV4a signers (multi-region signing, unused),
    // which it loads inside a try/catch.
    const optionalSigners = ['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a'];
    const externals = new Set(
      [...bundle.matchAll(/require\(["']((?:@aws-sdk|@smithy)\/[^"']+)["']\)/g)].map((m) => String(m[1])),
    );
    expect([...externals].filter((name) => !optionalSigners.includes(name))).toEqual([]);
    expect(bundle).toContain('InvokeEndpoint');
  }, 180_000);
});
