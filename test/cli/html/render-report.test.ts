import fc from 'fast-check';
import { IDENTICAL } from '../../../bench/verdict/simulate';
import { CHARTS, renderHtmlReport } from '../../../cli/html/render-report';
import { escapeHtml, html, raw } from '../../../cli/html/safe-html';
import type { RecordLine } from '../../../lambda/core/evidence/log-lines';
import type { Report } from '../../../lambda/core/report/types';
import { DAY0, NOT_REPLAYED, outcomeLine, recordLine } from '../../support/evidence-lines';
import { reportOfLines, times } from '../../support/report';
import { expectedGuardrailMarks, expectedMarks, type MarkCounts } from './expected-marks';
import { emptyReport, fixtureReport, NOW } from './fixtures';

const TITLE = 'shadow-rollout report: test';
const render = (report: Report & { alarmsInAlarm?: readonly string[] }, title = TITLE) =>
  renderHtmlReport(report, { title });

/** The SVG of one chart (charts never nest SVGs). */
function chartsIn(page: string, chart: string): string[] {
  return [...page.matchAll(/<svg\b[^>]*>[\s\S]*?<\/svg>/g)]
    .map((m) => m[0])
    .filter((svg) => svg.slice(0, svg.indexOf('>')).includes(`data-chart="${chart}"`));
}

/** Data marks in markup, keyed `mark` or `mark:series`, as the browser test counts them. */
function marksIn(svg: string): MarkCounts {
  const counts: MarkCounts = {};
  for (const [, attributes = ''] of svg.matchAll(/<\w+\b([^>]*\bdata-mark="[^"]*"[^>]*)>/g)) {
    const mark = /data-mark="([^"]*)"/.exec(attributes)?.[1];
    const series = /data-series="([^"]*)"/.exec(attributes)?.[1];
    const key = series === undefined ? `${mark}` : `${mark}:${series}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const line = (i: number, fields: Partial<RecordLine> = {}) =>
  recordLine({ requestId: `r${i}`, receivedAtMs: DAY0 + 3_600_000 + i * 1000, ...fields });
const disagree = (reason = 'JSON answers differ'): Partial<RecordLine> => ({
  agree: false,
  candidateLabel: 'stay',
  reason,
});

const withoutZeros = (counts: MarkCounts) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

/** Every element name in the page: data must never add one. */
function tagNames(page: string): Set<string> {
  return new Set([...page.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => (m[1] as string).toLowerCase()));
}

describe('safe-html', () => {
  it('escapes interpolated text and attributes, keeps safe markup, drops empty values', () => {
    // Arrange
    const name = `"><script>alert('x')</script>&`;
    // Act
    const out = html`<p title="${name}">${name}${raw('<b>ok</b>')}${null}${false}${[1, 'a<b']}</p>`.value;
    // Assert
    expect(out).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;<b>ok</b>1a&lt;b</p>',
    );
    expect(escapeHtml('plain text')).toBe('plain text');
  });

  it('refuses to write NaN or Infinity into markup', () => {
    expect(() => html`<circle cx="${Number.NaN}"/>`).toThrow(RangeError);
    expect(() => html`<circle cx="${Number.POSITIVE_INFINITY}"/>`).toThrow(RangeError);
  });
});

describe('renderHtmlReport', () => {
  const fixture = fixtureReport();
  const page = render(fixture);

  it('is one self-contained page: no script, no external URL, a CSP that forbids fetching', () => {
    // Assert
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
    expect(tagNames(page).has('script')).toBe(false);
    expect(tagNames(page).has('link')).toBe(false);
    expect(tagNames(page).has('img')).toBe(false);
    expect(page).not.toMatch(/\bsrc=|@import|url\((?!#)/);
    const urls = [...page.matchAll(/https?:\/\/[^\s"'<)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('is a pure function of the report', () => {
    expect(render(fixtureReport())).toBe(page);
  });

  it('puts the verdict first, with its reasons and the samples still needed', () => {
    // Arrange
    const verdictAt = page.indexOf('class="verdict');
    // Assert
    expect(fixture.verdict.decision).toBe('CONTINUE');
    expect(verdictAt).toBeGreaterThan(0);
    expect(verdictAt).toBeLessThan(page.indexOf('id="guardrails-heading"'));
    expect(page).toContain('data-decision="CONTINUE"');
    expect(page).toContain(`<title>${TITLE} — CONTINUE</title>`);
    for (const [guardrail, needed] of Object.entries(fixture.verdict.samplesNeeded ?? {})) {
      expect(page).toMatch(
        new RegExp(
          `data-needed="${guardrail}"[^>]*>[^<]*<strong>≈ ${needed.toLocaleString('en-US')}</strong>`,
        ),
      );
    }
    const reasons = page.match(/<ul class="reasons">([\s\S]*?)<\/ul>/)?.[1] ?? '';
    expect(reasons.match(/<li>/g) ?? []).toHaveLength(fixture.verdict.reasons.length);
  });

  it.each([
    ['PROMOTE', { ...IDENTICAL, productionErrorRate: 0, candidateErrorRate: 0, labelShare: 0 }],
    ['REJECT', { ...IDENTICAL, candidateErrorRate: 0.2 }],
  ] as const)('shows a %s banner', (decision, truth) => {
    // Arrange
    const report = fixtureReport(truth, 1000, 1);
    // Act
    const out = render(report);
    // Assert
    expect(report.verdict.decision).toBe(decision);
    expect(out).toContain(`<section class="verdict ${decision}" data-decision="${decision}"`);
  });

  it('draws the expected marks in every chart', () => {
    // Arrange
    const expected = expectedMarks(fixture);
    // Assert: every chart of a full report is there
    expect(Object.keys(expected).sort()).toEqual(
      [
        CHARTS.latencyHistogram,
        CHARTS.agreementTimeline,
        CHARTS.errorTimeline,
        CHARTS.conversion,
        CHARTS.accuracy,
        CHARTS.disagreementReasons,
      ].sort(),
    );
    expect(fixture.timeline.buckets.length).toBeGreaterThan(20);
    for (const [chart, counts] of Object.entries(expected)) {
      const svgs = chartsIn(page, chart);
      expect({ chart, svgs: svgs.length }).toEqual({ chart, svgs: 1 });
      expect({ chart, marks: marksIn(svgs[0] as string) }).toEqual({ chart, marks: withoutZeros(counts) });
    }
  });

  it('marks p50, p90 and p99 on both latency histograms, with shared bins', () => {
    // Arrange
    const [svg = ''] = chartsIn(page, CHARTS.latencyHistogram);
    // Assert
    expect(svg.match(/data-marker="p(50|90|99)"/g)).toHaveLength(6);
    expect(svg).toContain(`${fixture.latency.histogram.edges.length - 1} bins`);
    expect(svg).toContain(
      `p99</tspan> ${Math.round((fixture.latency.candidate.p99.estimate as number) * 10) / 10} ms`,
    );
  });

  it('draws each guardrail against its threshold', () => {
    // Arrange
    const svgs = chartsIn(page, CHARTS.guardrailInterval);
    // Assert
    expect(svgs).toHaveLength(fixture.guardrails.length);
    for (const check of fixture.guardrails) {
      const svg = svgs.find((s) => s.includes(`data-guardrail="${check.guardrail}"`)) ?? '';
      expect({ guardrail: check.guardrail, marks: marksIn(svg) }).toEqual({
        guardrail: check.guardrail,
        marks: withoutZeros(expectedGuardrailMarks(check)),
      });
      expect(page).toContain(`<tr data-guardrail="${check.guardrail}" data-status="${check.status}">`);
    }
  });

  it('gives every chart a title, a description and a figure caption', () => {
    const svgs = [...page.matchAll(/<svg\b[^>]*>[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs.length).toBeGreaterThan(6);
    for (const svg of svgs) {
      expect(svg).toMatch(/^<svg[^>]*role="img"[^>]*aria-labelledby="[\w-]+-title [\w-]+-desc"/);
      expect(svg).toMatch(/<title id="[\w-]+-title">[^<]+<\/title><desc id="[\w-]+-desc">[^<]+<\/desc>/);
    }
    expect(page.match(/<figure\b/g)?.length).toBe(page.match(/<figcaption>/g)?.length);
    const ids = [...page.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renders a report with no records: n/a, empty states, no NaN', () => {
    // Arrange
    const report = emptyReport();
    // Act
    const out = render(report);
    // Assert
    expect(report.samples.records).toBe(0);
    expect(out).toContain('data-decision="CONTINUE"');
    expect(out).toContain('n/a');
    for (const chart of [
      CHARTS.latencyHistogram,
      CHARTS.agreementTimeline,
      CHARTS.errorTimeline,
      CHARTS.conversion,
      CHARTS.accuracy,
      CHARTS.disagreementReasons,
    ]) {
      expect(out).toContain(`data-chart-empty="${chart}"`);
      expect(chartsIn(out, chart)).toHaveLength(0);
    }
    expect(chartsIn(out, CHARTS.guardrailInterval)).toHaveLength(report.guardrails.length);
    expect(out).not.toMatch(/NaN|Infinity|undefined|>null</);
  });

  it('escapes endpoint names, reasons, alarm names and the title', () => {
    // Arrange
    const evil = '<script>alert(1)</script>';
    const candidate = `candidate"><img src=x onerror=alert(2)>`;
    const records = times(30, (i) =>
      line(i, {
        servedEndpoint: evil,
        servedLatencyMs: 100 + i,
        candidateEndpoint: candidate,
        candidateLatencyMs: 110 + i,
        ...(i % 3 === 0 ? disagree('<iframe src="javascript:alert(3)">') : {}),
      }),
    );
    const outcomes = records.map((r, i) =>
      outcomeLine(r.requestId, r.receivedAtMs, { converted: i % 2 === 0 }),
    );
    const report = {
      ...reportOfLines(records, outcomes, {
        experiment: { production: evil, candidates: [candidate], canaryPercent: 10 },
        now: NOW,
      }),
      alarmsInAlarm: [`alarm</code><script>x</script>`],
    };
    // Act
    const out = render(report, `report for <b>${evil}</b> & co`);
    // Assert
    expect(report.production.endpoint).toBe(evil);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('candidate&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(out).toContain('&lt;iframe src=&quot;javascript:alert(3)&quot;&gt;');
    expect(out).toContain('alarm&lt;/code&gt;&lt;script&gt;x&lt;/script&gt;');
    expect(out).toContain(
      '<title>report for &lt;b&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/b&gt; &amp; co',
    );
    for (const tag of ['script', 'img', 'iframe', 'b']) expect(tagNames(out).has(tag)).toBe(false);
  });

  it('never lets data add an element, whatever the names and reasons (property)', () => {
    // Arrange: the element names the page uses without any data in it
    const allowed = new Set([...tagNames(page), ...tagNames(render(emptyReport()))]);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.array(fc.string({ maxLength: 60 }), { maxLength: 3 }),
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 2 }),
        (production, candidate, reasons, alarms) => {
          const records = times(12, (i) =>
            line(i, {
              servedEndpoint: `${production}!`,
              servedLatencyMs: 90 + i,
              candidateEndpoint: `${candidate}?`,
              candidateLatencyMs: 100 + i,
              ...(i === 11 ? { servedStatus: 'error', servedLabel: null, agree: null } : {}),
              ...(reasons.length > 0 && i % 2 === 0 && i !== 11 ? disagree(reasons[i % reasons.length]) : {}),
            }),
          );
          const report = reportOfLines(records, [], {
            experiment: { production: `${production}!`, candidates: [`${candidate}?`] },
            now: NOW,
          });
          const out = render({ ...report, alarmsInAlarm: alarms }, production);
          for (const tag of tagNames(out)) expect(allowed.has(tag)).toBe(true);
          expect(out).not.toMatch(/NaN|Infinity/);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('lists the alarms firing now, or says none are', () => {
    expect(render({ ...fixture, alarmsInAlarm: ['a-1', 'a-2'] })).toMatch(
      /<div class="alarms firing" role="alert" data-alarms="2">[\s\S]*<code>a-1<\/code>[\s\S]*<code>a-2<\/code>/,
    );
    expect(render({ ...fixture, alarmsInAlarm: [] })).toContain('No alarms firing.');
    expect(page).not.toContain('class="alarms');
  });

  it('breaks timeline lines at empty buckets and draws a lone bucket as a whisker', () => {
    // Arrange: 60-minute buckets with data at 00:xx, 01:xx and 03:xx, none at 02:xx
    const at = (hour: number, i: number) => DAY0 + hour * 3_600_000 + i * 60_000;
    const records = [0, 1, 3].flatMap((hour) =>
      times(5, (i) => line(hour * 10 + i, { receivedAtMs: at(hour, i), ...(i === 0 ? disagree() : {}) })),
    );
    const report = reportOfLines(records, [], { now: NOW, bucketMinutes: 60 });
    // Act
    const [svg = ''] = chartsIn(render(report), CHARTS.agreementTimeline);
    // Assert
    expect(report.timeline.buckets.map((b) => b.agreement.trials)).toEqual([5, 5, 0, 5]);
    expect(marksIn(svg)).toEqual({ 'point:agreement': 3, 'line:agreement': 1, 'band:agreement': 2 });
    expect(svg).toContain('class="band agreement"');
    expect(svg).toContain('class="band-whisker agreement"');
  });

  it('shows conversion without canary outcomes as production only', () => {
    // Arrange: a canary just started, outcomes on production-served requests only
    const canaryServed: Partial<RecordLine> = {
      servedVariant: 'canary',
      servedEndpoint: 'churn-v2',
      ...NOT_REPLAYED,
    };
    const records = [...times(40, (i) => line(i)), line(40, canaryServed)];
    const outcomes = records
      .filter((r) => r.servedVariant === 'production')
      .map((r, i) => outcomeLine(r.requestId, r.receivedAtMs, { converted: i % 4 === 0 }));
    const report = reportOfLines(records, outcomes, { experiment: { canaryPercent: 10 }, now: NOW });
    // Act
    const [svg = ''] = chartsIn(render(report), CHARTS.conversion);
    // Assert
    expect(report.conversion?.canary.trials).toBe(0);
    expect(marksIn(svg)).toEqual(withoutZeros(expectedMarks(report).conversion ?? {}));
    expect(marksIn(svg)).toEqual({ 'point:production': 1, 'whisker:production': 1 });
    expect(svg).toContain('no outcomes yet');
  });
});
