import * as fs from 'node:fs';
import * as path from 'node:path';
import { logicalId, removeSynthOutput, synthFromContext } from './support/synth';

afterAll(removeSynthOutput);

// The one test that runs esbuild (locally, never Docker), for one stage to bound the time.
describe('prod synth with bundling', () => {
  it('bundles every function as an ES module with its source map and the AWS SDK inside', () => {
    const s = synthFromContext({ stage: 'prod', alarmEmails: 'ops@example.com' }, { bundle: true });

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
    // The SDK stand-ins reached esbuild through NodejsFunction (`--alias`), as in the benchmark.
    expect(bundle).toContain('Lambda sets them from the function role');
    expect(bundle).toContain('event streams are not bundled');

    // Every function is an ES module built the same way, none with a CommonJS bundle beside it.
    // The service's seven functions; the CDK's own deploy-time custom resource provider ships its code.
    const functions = Object.entries(
      s.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    )
      .filter(([id, resource]) => resource.Type === 'AWS::Lambda::Function' && !id.startsWith('AWS679f53fac'))
      .map(([, resource]) => resource);
    expect(functions).toHaveLength(7);
    for (const fn of functions) {
      const dir = path.join(
        s.outdir,
        `asset.${String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '')}`,
      );
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fs.readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      expect(fs.readFileSync(path.join(dir, 'index.mjs'), 'utf8')).toContain(
        'Lambda sets them from the function role',
      );
    }
  }, 180_000);
});
