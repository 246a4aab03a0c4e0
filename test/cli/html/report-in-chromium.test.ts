import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { renderHtmlReport } from '../../../cli/html/render-report';
import { expectedGuardrailMarks, expectedMarks, type MarkCounts } from './expected-marks';
import { fixtureReport } from './fixtures';

/** Debian's chromium (scripts/ensure-chromium.sh installs it before `npm test`); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Where the test leaves its screenshot for people to look at. */
const SCREENSHOT = join(tmpdir(), 'shadow-rollout-html-report.png');

/** The few DOM APIs the in-page code uses (the project's TypeScript has no DOM library). */
interface InPageElement {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  getBoundingClientRect(): {
    left: number;
    right: number;
    top: number;
    bottom: number;
    width: number;
    height: number;
  };
  querySelectorAll(selector: string): ArrayLike<InPageElement>;
}
interface InPage {
  readonly document: {
    querySelectorAll(selector: string): ArrayLike<InPageElement>;
    addEventListener(
      type: 'securitypolicyviolation',
      listener: (event: { violatedDirective: string; blockedURI: string }) => void,
    ): void;
  };
  getComputedStyle(
    element: InPageElement,
  ): Readonly<
    Record<'fill' | 'fillOpacity' | 'stroke' | 'strokeWidth' | 'visibility' | 'opacity' | 'display', string>
  >;
}

interface DrawnChart {
  readonly chart: string;
  readonly guardrail: string | null;
  readonly width: number;
  readonly height: number;
  /** Marks with a non-zero box inside the chart and a visible fill or stroke, keyed `mark[:series]`. */
  readonly drawn: MarkCounts;
  /** Every mark element, drawn or not. */
  readonly total: number;
}

/** Opens a page with every request recorded, and every one but the page itself refused. */
async function openOffline(browser: Browser, file: string) {
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const external: string[] = [];
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    external.push(route.request().url());
    return route.abort();
  });
  await page.addInitScript(() => {
    const { document } = globalThis as unknown as InPage;
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, external, problems };
}

function drawnCharts(page: Page): Promise<DrawnChart[]> {
  return page.evaluate(() => {
    const window = globalThis as unknown as InPage;
    return Array.from(window.document.querySelectorAll('svg[data-chart]')).map((svg) => {
      const box = svg.getBoundingClientRect();
      const marks = Array.from(svg.querySelectorAll('[data-mark]'));
      const drawn: Record<string, number> = {};
      for (const mark of marks) {
        const r = mark.getBoundingClientRect();
        const style = window.getComputedStyle(mark);
        const painted =
          (style.fill !== 'none' && style.fillOpacity !== '0') ||
          (style.stroke !== 'none' && style.strokeWidth !== '0px');
        const cx = r.left + r.width / 2;
        const cy = r.top + r.height / 2;
        const inside = cx >= box.left - 1 && cx <= box.right + 1 && cy >= box.top - 1 && cy <= box.bottom + 1;
        const visible = style.visibility !== 'hidden' && style.opacity !== '0' && style.display !== 'none';
        if (r.width > 0 && r.height > 0 && painted && inside && visible) {
          const series = mark.dataset.series;
          const key = series === undefined ? `${mark.dataset.mark}` : `${mark.dataset.mark}:${series}`;
          drawn[key] = (drawn[key] ?? 0) + 1;
        }
      }
      return {
        chart: svg.dataset.chart ?? '',
        guardrail: svg.dataset.guardrail ?? null,
        width: box.width,
        height: box.height,
        drawn,
        total: marks.length,
      };
    });
  });
}

const withoutZeros = (counts: MarkCounts) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

describe('the --html report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run "bash scripts/ensure-chromium.sh" (npm test runs it first) or set CHROMIUM_PATH`,
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'shadow-rollout-html-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens with no network access and draws every chart', async () => {
    // Arrange
    const report = fixtureReport();
    const file = join(dir, 'report.html');
    writeFileSync(
      file,
      renderHtmlReport({ ...report, alarmsInAlarm: [] }, { title: 'shadow-rollout report: fixture' }),
    );
    // Act
    const { page, external, problems } = await openOffline(browser, file);
    const charts = await drawnCharts(page);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // Assert: nothing but the file itself was requested, and nothing was refused
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
    // Assert: each chart is on the page, has a size, and draws exactly its data's marks
    const expected = expectedMarks(report);
    for (const [chart, counts] of Object.entries(expected)) {
      const found = charts.filter((c) => c.chart === chart);
      expect({ chart, found: found.length }).toEqual({ chart, found: 1 });
      const [drawn] = found as [DrawnChart];
      expect(drawn.width).toBeGreaterThan(300);
      expect(drawn.height).toBeGreaterThan(20);
      expect({ chart, drawn: drawn.drawn }).toEqual({ chart, drawn: withoutZeros(counts) });
      expect(drawn.total).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    }
    const guardrails = charts.filter((c) => c.chart === 'guardrail-interval');
    expect(guardrails).toHaveLength(report.guardrails.length);
    for (const check of report.guardrails) {
      const drawn = guardrails.find((c) => c.guardrail === check.guardrail);
      expect(drawn?.width).toBeGreaterThan(100);
      expect({ guardrail: check.guardrail, drawn: drawn?.drawn }).toEqual({
        guardrail: check.guardrail,
        drawn: withoutZeros(expectedGuardrailMarks(check)),
      });
    }
    // Assert: the verdict banner is the first thing on the page, and the page prints with its charts
    const verdictTop = await page.locator('section.verdict').evaluate((e) => e.getBoundingClientRect().top);
    expect(verdictTop).toBeLessThan(120);
    await page.emulateMedia({ media: 'print' });
    const printed = await drawnCharts(page);
    expect(printed.filter((c) => c.width > 0 && c.height > 0)).toHaveLength(charts.length);
    await page.close();
  });

  it('renders an empty report with its empty states, offline', async () => {
    // Arrange
    const file = join(dir, 'empty.html');
    writeFileSync(file, renderHtmlReport(fixtureReport(undefined, 0), { title: 'empty' }));
    // Act
    const { page, external, problems } = await openOffline(browser, file);
    const empties = await page.locator('[data-chart-empty]').evaluateAll((nodes) =>
      nodes.map((n) => ({
        chart: n.getAttribute('data-chart-empty'),
        height: n.getBoundingClientRect().height,
      })),
    );
    // Assert
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
    expect(empties.map((e) => e.chart).sort()).toEqual(
      [
        'accuracy',
        'agreement-timeline',
        'conversion',
        'disagreement-reasons',
        'error-timeline',
        'latency-histogram',
      ].sort(),
    );
    for (const e of empties) expect(e.height).toBeGreaterThan(20);
    await page.close();
  });

  it('notices a page that reaches for the network, or that its CSP stops (the checks are not vacuous)', async () => {
    // Arrange
    const image = '<img src="https://cdn.example.invalid/x.png">';
    const leaky = join(dir, 'leaky.html');
    writeFileSync(leaky, `<!doctype html><title>leaky</title>${image}`);
    const blocked = join(dir, 'blocked.html');
    writeFileSync(
      blocked,
      `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><title>blocked</title>${image}`,
    );
    // Act
    const open = [await openOffline(browser, leaky), await openOffline(browser, blocked)];
    // Assert
    expect(open[0]?.external).toEqual(['https://cdn.example.invalid/x.png']);
    expect(open[1]?.external).toEqual([]);
    expect(open[1]?.problems.join('\n')).toContain(
      'CSP violation: img-src https://cdn.example.invalid/x.png',
    );
    for (const { page } of open) await page.close();
  });
});
