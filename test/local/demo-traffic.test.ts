import { UserError } from '../../lambda/core/errors';
import {
  conversionPost,
  labelPost,
  parseConversionRates,
  parseCount,
  parseShare,
  planRequests,
} from '../../local/demo-traffic';
import { seededRandom } from '../../local/models/traffic';

describe('demo traffic: outcomes posted the way a shop would', () => {
  it.each([
    ['production=0.10,canary=0.09', { production: 0.1, canary: 0.09 }],
    ['canary=0.2', { production: 0.1, canary: 0.2 }],
    ['0.05', { production: 0.05, canary: 0.05 }],
    [' production = 0 , canary = 1 ', { production: 0, canary: 1 }],
  ])('reads --conversion %s', (raw, rates) => {
    expect(parseConversionRates(raw)).toEqual(rates);
  });

  it.each(['production=1.5', 'prod=0.1', 'canary', 'canary=', 'production=0.1=2', '2', ''])(
    'refuses --conversion %j in one line that shows the form',
    (raw) => {
      expect(() => parseConversionRates(raw)).toThrow(UserError);
      expect(() => parseConversionRates(raw)).toThrow(/production=R,canary=R/);
    },
  );

  it('refuses shares outside [0, 1] and counts below 1', () => {
    expect(parseShare('--labels', '0.3')).toBe(0.3);
    expect(() => parseShare('--labels', '1.2')).toThrow('--labels must be a share from 0 to 1, got "1.2"');
    expect(() => parseShare('--labels', 'half')).toThrow(UserError);
    expect(parseCount('--requests', '20')).toBe(20);
    expect(() => parseCount('--requests', '0')).toThrow('--requests must be a whole number of at least 1');
    expect(() => parseCount('--requests', '2.5')).toThrow(UserError);
  });

  it('plans the same run from the same seed, whatever the order requests complete in', () => {
    const options = { requests: 50, users: 10, labelShare: 0.5 };
    expect(planRequests(seededRandom(3), options)).toEqual(planRequests(seededRandom(3), options));
    expect(planRequests(seededRandom(3), options)).not.toEqual(planRequests(seededRandom(4), options));
  });

  it('converts at the served variant rate and labels the chosen share, with true labels from the demo world', () => {
    const plan = planRequests(seededRandom(11), { requests: 20_000, users: 200, labelShare: 0.3 });
    const rates = { production: 0.1, canary: 0.05 };
    const converted = (variant: 'production' | 'canary') =>
      plan.filter((p, i) => {
        const post = conversionPost(p, `r${i}`, variant, rates);
        return 'converted' in post && post.converted;
      }).length / plan.length;
    const labels = plan.map((p, i) => labelPost(p, `r${i}`)).filter((post) => post !== undefined);

    // 20,000 draws: each share within 1.5 points of its rate.
    expect(Math.abs(converted('production') - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(converted('canary') - 0.05)).toBeLessThan(0.015);
    expect(Math.abs(labels.length / plan.length - 0.3)).toBeLessThan(0.015);
    expect(new Set(labels.map((post) => ('label' in post ? post.label : undefined)))).toEqual(
      new Set(['churn', 'stay']),
    );
    expect(new Set(plan.map((p) => p.user)).size).toBeLessThanOrEqual(200);
  });

  it('posts a conversion with its order value, a non-conversion without, and the label apart', () => {
    const [planned] = planRequests(seededRandom(1), { requests: 1, users: 1, labelShare: 1 });
    if (planned === undefined) throw new Error('no plan');
    expect(conversionPost(planned, 'r1', 'production', { production: 1, canary: 0 })).toEqual({
      requestId: 'r1',
      converted: true,
      value: planned.value,
    });
    expect(conversionPost(planned, 'r1', 'canary', { production: 1, canary: 0 })).toEqual({
      requestId: 'r1',
      converted: false,
    });
    expect(labelPost(planned, 'r1')).toEqual({ requestId: 'r1', label: planned.trueLabel });
  });
});
