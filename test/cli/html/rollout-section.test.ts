import { CHARTS, renderHtmlReport } from '../../../cli/html/render-report';
import type { RolloutStatus } from '../../../lambda/use-cases/rollout/manage-rollout';
import { fixtureReport, NOW } from './fixtures';

const at = (minutes: number) => new Date(NOW.getTime() - (60 - minutes) * 60_000).toISOString();
const evidence = (decision: 'PROMOTE' | 'REJECT', guardrail?: string) => ({
  decision,
  samples: 420,
  summary: `${decision} <b>bold</b> & more`,
  ...(guardrail ? { guardrail } : {}),
});

/** A walk that advanced once and was rolled back at step 1. */
const rolledBack: RolloutStatus = {
  state: 'rolled_back',
  step: 1,
  steps: 3,
  canaryPercent: 0,
  sampleRate: 1,
  candidate: 'churn-v2',
  production: 'churn-v1',
  startedAt: at(0),
  stepStartedAt: null,
  stepDeadline: null,
  hold: null,
  verdict: null,
  plan: { promote: true, steps: [] },
  planSource: 'plan file plan.json',
  breaker: null,
  configVersion: 4,
  history: [
    {
      at: at(0),
      by: 'alice via CLI',
      event: 'start',
      state: 'running',
      step: 0,
      canaryPercent: 0,
      sampleRate: 1,
      reason: 'go',
    },
    {
      at: at(20),
      by: 'rollout-controller',
      event: 'advance',
      state: 'running',
      step: 1,
      canaryPercent: 10,
      sampleRate: 1,
      reason: 'step 0 passed',
      evidence: evidence('PROMOTE'),
    },
    {
      at: at(40),
      by: 'rollout-controller',
      event: 'rollback',
      state: 'rolled_back',
      step: 1,
      canaryPercent: 0,
      sampleRate: 1,
      reason: 'step 1 (canary 10%): verdict REJECT on maxErrorRate',
      evidence: evidence('REJECT', 'maxErrorRate'),
    },
  ],
};

describe('the HTML report draws the rollout', () => {
  const page = renderHtmlReport({ ...fixtureReport(), rollout: rolledBack }, { title: 'test' });
  const svg = /<svg\b[^>]*data-chart="rollout-steps"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';

  it('has a rollout section with its state, and a chart of the steps and share over time', () => {
    expect(CHARTS.rolloutSteps).toBe('rollout-steps');
    expect(page).toContain('data-rollout-state="rolled_back"');
    expect(page).toContain('Rollout of churn-v2: rolled back');
    expect(svg).not.toBe('');
  });

  it('marks every transition with its step and the verdict it was made on', () => {
    const marks = [
      ...svg.matchAll(
        /<g class="transition (\w+)" data-event="([\w-]+)" data-step="(\d+)"(?: data-verdict="(\w+)")?/g,
      ),
    ].map((m) => [m[2], Number(m[3]), m[4] ?? null, m[1]]);
    expect(marks).toEqual([
      ['start', 0, null, 'neutral'],
      ['advance', 1, 'PROMOTE', 'neutral'],
      ['rollback', 1, 'REJECT', 'bad'],
    ]);
  });

  it('draws the share as steps: up to 10 % at the advance, down to 0 at the rollback', () => {
    const d = /<path class="rollout-share" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    const ys = [...d.matchAll(/V([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(2);
    const [up = 0, down = 0] = ys;
    expect(up).toBeLessThan(down); // SVG y grows downwards: 10 % is above 0 %
  });

  it('lists the transitions with who, why and the evidence, escaped', () => {
    expect(page).toContain('step 1 (canary 10%): verdict REJECT on maxErrorRate');
    expect(page).toContain('REJECT &lt;b&gt;bold&lt;/b&gt; &amp; more');
    expect(page).not.toContain('<b>bold</b>');
  });

  it('leaves the section out when no rollout was started', () => {
    const none = renderHtmlReport(
      { ...fixtureReport(), rollout: { ...rolledBack, state: 'none', history: [] } },
      { title: 'test' },
    );
    expect(none).not.toContain('data-rollout-state');
  });
});
