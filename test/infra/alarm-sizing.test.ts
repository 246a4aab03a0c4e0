import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGES, type StageConfig } from '../../lib/config/stage-config';
import { stages } from '../../lib/config/stages';
import { alarmDocs } from '../../lib/monitoring/alarm-docs';
import { minRateSamples, SIZED_ALARMS, sizeAlarms } from '../../lib/monitoring/alarm-sizing';

describe('minRateSamples', () => {
  it.each([
    [0.01, 500],
    [0.02, 250],
    [0.05, 100],
    [1 - 0.9, 50],
    [0.2, 25],
    [0.5, 20],
    [0, 20],
  ])('a rate alarm at threshold %p needs %p samples (5 events, at least 20)', (threshold, samples) => {
    expect(minRateSamples(threshold)).toBe(samples);
  });
});

describe('sizeAlarms', () => {
  const prod = stages.prod;

  it('gives each alarm the shortest period that the expected traffic fills with its minimum', () => {
    const sizes = sizeAlarms(prod);
    // 600 req/min, 5 % canary, 10 % shadow sampling of the 95 % production serves.
    expect(sizes.ProductionLatencyP99).toMatchObject({ minSamples: 100, periodMinutes: 1, evaluates: true });
    expect(sizes.ProductionErrorRate).toMatchObject({ minSamples: 500, periodMinutes: 1 });
    expect(sizes.CandidateLatencyP99).toMatchObject({ minSamples: 100, periodMinutes: 2 }); // 57/min
    expect(sizes.CandidateErrorRate).toMatchObject({ minSamples: 500, periodMinutes: 10 });
    expect(sizes.CanaryLatencyP99).toMatchObject({ minSamples: 100, periodMinutes: 5 }); // 30/min
    expect(sizes.CanaryErrorRate).toMatchObject({ minSamples: 500, periodMinutes: 30 });
    // Joined outcomes per variant: min(57, 30) × 20 % = 6/min; 200 of them take an hour.
    expect(sizes.CanaryConversionDrop).toMatchObject({ minSamples: 200, periodMinutes: 60, evaluates: true });
    expect(sizes.ShadowDispatchLateRate).toMatchObject({ minSamples: 50, periodMinutes: 1 });
  });

  it('never picks a period shorter than alarms.periodMinutes', () => {
    const sizes = sizeAlarms({ ...prod, alarms: { ...prod.alarms, periodMinutes: 5 } });
    for (const alarm of SIZED_ALARMS) expect(sizes[alarm].periodMinutes).toBeGreaterThanOrEqual(5);
  });

  it('says an alarm cannot evaluate when even the longest period stays below its minimum', () => {
    const quiet: StageConfig = {
      ...prod,
      expectedTraffic: { ...prod.expectedTraffic, requestsPerMinute: 10 },
    };
    const sizes = sizeAlarms(quiet);
    expect(sizes.CanaryErrorRate).toMatchObject({ periodMinutes: 60, evaluates: false });
    // 500 canary calls an hour need 500 / (60 × 5 %) ≈ 167 requests a minute.
    expect(Math.ceil(sizes.CanaryErrorRate.requiredRequestsPerMinute)).toBe(167);
    expect(sizes.ProductionLatencyP99.evaluates).toBe(true);
  });

  it.each(STAGES)('%s: every alarm evaluates at the expected traffic', (stage) => {
    const sizes = sizeAlarms(stages[stage]);
    expect(SIZED_ALARMS.filter((alarm) => !sizes[alarm].evaluates)).toEqual([]);
  });
});

describe('docs/alarms.md', () => {
  it('is what `npm run docs:alarms` writes from the current stage configs', () => {
    const onDisk = readFileSync(join(__dirname, '..', '..', 'docs', 'alarms.md'), 'utf8');
    expect(onDisk).toBe(alarmDocs());
    for (const stage of STAGES) expect(onDisk).toContain(`### ${stage}`);
  });
});
