import { existsSync } from 'node:fs';
import { contributorOf } from '../../bench/bundles';
import { groupOf } from '../../bench/latency/cpu-profile';
import { runInterleaved, type Variant } from '../../bench/latency/driver';
import { ROUTER_INSTANCE_MODULES } from '../../bench/latency/router-instance';

describe('runInterleaved', () => {
  it('gives every variant the same number of requests, issued round-robin', async () => {
    // Arrange
    const issued: string[] = [];
    const variant = (name: string, ok = true): Variant => ({
      name,
      prepare: (seq) => async () => {
        issued.push(`${name}${seq}`);
        return { ok, shadow: name === 'c' ? 'sampled' : 'skipped' };
      },
    });

    // Act
    const samples = await runInterleaved([variant('a'), variant('b', false), variant('c')], 3, 1);

    // Assert
    expect(issued).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
    expect(samples.map((s) => s.latenciesMs.length)).toEqual([3, 3, 3]);
    expect(samples.map((s) => s.failures)).toEqual([0, 3, 0]);
    expect(samples.map((s) => s.shadowSampled)).toEqual([0, 0, 3]);
  });

  it('keeps the per-variant count exact with many concurrent callers', async () => {
    // Arrange
    const variants: Variant[] = ['a', 'b'].map((name) => ({
      name,
      prepare: () => () => new Promise((done) => setImmediate(() => done({ ok: true }))),
    }));

    // Act
    const samples = await runInterleaved(variants, 50, 32);

    // Assert
    expect(samples.map((s) => s.latenciesMs.length)).toEqual([50, 50]);
  });
});

describe('bundle and profile attribution', () => {
  it.each([
    ['node_modules/@aws-sdk/client-sqs/dist-cjs/index.js', '@aws-sdk/client-sqs'],
    ['../node_modules/bowser/es5.js', 'bowser'],
    ['lambda/adapters/clients.ts', 'lambda/adapters'],
    ['../../lambda/handlers/router.ts', 'lambda/handlers'],
  ])('%s belongs to %s', (path, expected) => {
    expect(contributorOf(path)).toBe(expected);
  });

  it.each([
    ['file:///x/node_modules/@smithy/core/dist-cjs/index.js', 'f', 'AWS SDK'],
    ['file:///x/node_modules/@aws-lambda-powertools/metrics/lib/index.js', 'f', 'Powertools'],
    ['file:///x/lambda/core/bucketing.ts', 'bucketOf', 'lambda/ (our code)'],
    ['node:internal/streams/readable', 'read', 'Node.js core (http, net, streams, crypto)'],
    ['', '(garbage collector)', 'GC'],
    ['', '(idle)', 'idle'],
  ])('a frame in %s (%s) is grouped as %s', (url, fn, expected) => {
    expect(groupOf(url, fn)).toBe(expected);
  });
});

describe('router instances of the latency bench', () => {
  it('load modules that exist (they are required by path, out of the type check’s sight)', () => {
    for (const file of ROUTER_INSTANCE_MODULES) expect(existsSync(file)).toBe(true);
  });
});
