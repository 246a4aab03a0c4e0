import fc from 'fast-check';
import { bucketOf, hashUserKey, isShadowSampled, servedVariantFor } from '../../lambda/core/bucketing';

const SALT = 'stack-salt';
const users = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

/** Half-width of a 99.9% interval for a share p over n draws: the test fails by chance ~1/1000. */
const tolerance = (p: number, n: number) => 3.29 * Math.sqrt((p * (1 - p)) / n);

describe('bucketing', () => {
  it('places keys uniformly in [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, salt) => {
        const b = bucketOf(key, salt);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(1);
      }),
    );
    const n = 20_000;
    const deciles = new Array<number>(10).fill(0);
    for (const u of users(n)) deciles[Math.floor(bucketOf(u, SALT) * 10)]! += 1;
    for (const count of deciles) expect(Math.abs(count / n - 0.1)).toBeLessThan(tolerance(0.1, n));
  });

  it('is sticky: the same user always gets the same variant for the same config', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 100 }), (user, percent) => {
        const key = hashUserKey(user, SALT);
        expect(servedVariantFor(key, percent, SALT)).toBe(
          servedVariantFor(hashUserKey(user, SALT), percent, SALT),
        );
      }),
    );
  });

  it.each([1, 5, 20, 50])('serves %i%% of users from the canary, within sampling error', (percent) => {
    const n = 20_000;
    const canary = users(n).filter(
      (u) => servedVariantFor(hashUserKey(u, SALT), percent, SALT) === 'canary',
    ).length;
    expect(Math.abs(canary / n - percent / 100)).toBeLessThan(tolerance(percent / 100, n));
  });

  it('never moves a canary user back to production when the share grows', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (user, a, b) => {
          const [low, high] = a < b ? [a, b] : [b, a];
          const key = hashUserKey(user, SALT);
          if (servedVariantFor(key, low, SALT) === 'canary')
            expect(servedVariantFor(key, high, SALT)).toBe('canary');
        },
      ),
    );
  });

  it('serves nobody from the canary at 0% and everybody at 100%', () => {
    for (const u of users(500)) {
      expect(servedVariantFor(u, 0, SALT)).toBe('production');
      expect(servedVariantFor(u, 100, SALT)).toBe('canary');
    }
  });

  it.each([0.01, 0.1, 0.5])('shadow-samples a share of %f of requests, within sampling error', (rate) => {
    const n = 20_000;
    const sampled = users(n).filter((id) => isShadowSampled(`req-${id}`, rate, SALT)).length;
    expect(Math.abs(sampled / n - rate)).toBeLessThan(tolerance(rate, n));
  });

  it('decides the shadow sample independently of the canary', () => {
    // With 50% canary and 50% sampling on the same keys, independence means ~25% are both.
    const n = 20_000;
    const keys = users(n);
    const both = keys.filter(
      (k) => servedVariantFor(k, 50, SALT) === 'canary' && isShadowSampled(k, 0.5, SALT),
    ).length;
    expect(Math.abs(both / n - 0.25)).toBeLessThan(tolerance(0.25, n));
  });

  it('hashes user ids with the salt, never returning the id itself', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (user) => {
        const key = hashUserKey(user, SALT);
        expect(key).toMatch(/^[0-9a-f]{32}$/);
        expect(hashUserKey(user, 'other-salt')).not.toBe(key);
      }),
    );
  });
});
