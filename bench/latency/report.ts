import { ms, ratio, table } from '../markdown';
import { compareAt, type LatencySummary } from '../stats';
import type { PhaseResult, UserPathResult, VariantResult } from './user-path';

/** Targets from the issue, for the fast queue. */
export const TARGETS = { maxShadowRatioP99: 1.02, maxRouterOverheadP99Ms: 2 } as const;

export function renderUserPath(result: UserPathResult, queueDelayMs: number): string {
  const out: string[] = [];
  const fast = result.phases.filter((p) => p.scenario === 'fast');
  const slow = result.phases.filter((p) => p.scenario === 'delayed');

  out.push('### Fast queue (the SQS emulator, direct)\n');
  out.push(
    'Concurrency 1 is the per-environment view: Lambda gives each execution environment one request at a time. Concurrency 32 runs 32 requests in one Node.js process on this 2-core machine, which saturates the CPU: per-request CPU cost shows up as queueing delay, for every variant alike.\n',
  );
  for (const phase of fast) out.push(latencyTable(phase), '');
  out.push('Ratios and router overhead (difference of the same percentile; requests are not paired):\n');
  out.push(fastRatios(fast), '');
  out.push(
    'The router answering first (e), against the same floor and the same router with shadowing off; "after the answer" is the time from the answer until the deferred SendMessage settled, which Lambda bills (PostRuntimeExtensionsDuration) but nobody waits for:\n',
  );
  out.push(answerFirstRatios(fast), '');
  out.push(targetLines(fast).join('\n'), '');

  out.push(`### Queue slowed by ${queueDelayMs} ms per request (delaying proxy in front of the emulator)\n`);
  out.push(
    '"Dispatched in budget" is `X-Shadow: sampled`; "not confirmed" is `X-Shadow: skipped` (every request is sampled, so a skip is a dispatch not confirmed within the budget) and matches the router\'s ShadowDispatchLate + ShadowDispatchFailed EMF counts. A late send is not aborted: "reached the queue" counts the messages that landed anyway. For (e), answering first, `X-Shadow: sampled` means handed over for sending after the answer.\n',
  );
  for (const phase of slow) out.push(latencyTable(phase), '', dispatchTable(phase), '');
  out.push(slowRatios(slow), '');
  out.push(postResponseLines(slow).join('\n'), '');

  out.push('### Where the router spends its time (concurrency 1, SDK calls timed from outside)\n');
  out.push(
    table(
      [
        'variant',
        'total p50',
        'total p99',
        'model call p50',
        'model call p99',
        'dispatch p50',
        'dispatch p99',
        'own work p50',
        'own work p99',
      ],
      result.split.map((s) => [
        s.label,
        ms(s.totalMs.p50),
        ms(s.totalMs.p99),
        ms(s.modelCallMs.p50),
        ms(s.modelCallMs.p99),
        ms(s.dispatchMs.p50),
        ms(s.dispatchMs.p99),
        ms(s.ownMs.p50),
        ms(s.ownMs.p99),
      ]),
    ),
    '',
  );
  out.push(
    'CPU per request, one variant at a time at concurrency 1: process CPU time (user + system) of the benchmark process, which runs the caller and the handler but not the model server or the queue; and where the busy samples of a V8 CPU profile fell:\n',
  );
  out.push(
    table(
      ['variant', 'CPU ms/request', 'busy samples by group'],
      result.cpu.map(({ label, cpuMsPerRequest, breakdown }) => [
        label,
        ms(cpuMsPerRequest, 3),
        breakdown.byGroup
          .slice(0, 5)
          .map((g) => `${g.group} ${pct(g.share)}`)
          .join('; '),
      ]),
    ),
    '',
  );
  const shadow = result.cpu.find((c) => c.label.startsWith('(c)'));
  if (shadow) {
    out.push('Hottest functions in (c), self time:\n');
    out.push(
      table(
        ['function', 'group', 'share of busy samples'],
        shadow.breakdown.topFunctions.slice(0, 12).map((f) => [`\`${f.name}\``, f.group, pct(f.share)]),
      ),
      '',
    );
  }
  const bytes = result.routerOutputBytesPerRequest;
  out.push(
    `Router stdout per request (EMF + logs, what CloudWatch Logs ingests): ${bytes.shadowOff.toFixed(0)} bytes with shadowing off, ${bytes.shadowOn.toFixed(0)} bytes with 100% sampling.\n`,
  );
  return out.join('\n');
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

function latencyTable(phase: PhaseResult): string {
  return [
    `Concurrency ${phase.concurrency} (${phase.variants[0]?.summary.n ?? 0} requests per variant, ${phase.seconds.toFixed(1)} s), latency in ms:\n`,
    table(
      ['variant', 'p50', 'p95', 'p99', 'mean', 'max', 'errors'],
      phase.variants.map((v) => [
        v.label,
        ms(v.summary.p50),
        ms(v.summary.p95),
        ms(v.summary.p99),
        ms(v.summary.mean),
        ms(v.summary.max),
        String(v.failures),
      ]),
    ),
  ].join('\n');
}

function dispatchTable(phase: PhaseResult): string {
  const rows = phase.variants
    .filter((v) => v.dispatchFailedEmf !== undefined && v.shadowSampled + v.shadowSkipped > 0)
    .map((v) => [
      v.label,
      String(v.shadowSampled),
      String(v.shadowSkipped),
      String(v.dispatchFailedEmf ?? 0),
      String(v.enqueued ?? '–'),
    ]);
  const connections =
    phase.proxyConnections === undefined
      ? ''
      : `\nNew TCP connections to the queue during the phase: ${phase.proxyConnections}.`;
  return `${table(
    [
      'dispatching variant',
      'dispatched in budget',
      'not confirmed (X-Shadow: skipped)',
      'ShadowDispatchLate + Failed (EMF)',
      'messages that reached the queue',
    ],
    rows,
  )}${connections}`;
}

function find(phase: PhaseResult, key: string): VariantResult {
  const v = phase.variants.find((x) => x.key === key);
  if (!v) throw new Error(`variant ${key} missing from phase`);
  return v;
}

function fastRatios(phases: PhaseResult[]): string {
  return table(
    [
      'concurrency',
      'c/a p50',
      'c/a p99',
      'c/b p50',
      'c/b p95',
      'c/b p99',
      'd/a p50',
      'd/a p99',
      'b−a p50',
      'b−a p99',
      'c−a p50',
      'c−a p99',
    ],
    phases.map((p) => {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((k) => find(p, k).summary) as [
        LatencySummary,
        LatencySummary,
        LatencySummary,
        LatencySummary,
      ];
      return [
        String(p.concurrency),
        ratio(compareAt(c, a, 'p50').ratio),
        ratio(compareAt(c, a, 'p99').ratio),
        ratio(compareAt(c, b, 'p50').ratio),
        ratio(compareAt(c, b, 'p95').ratio),
        ratio(compareAt(c, b, 'p99').ratio),
        ratio(compareAt(d, a, 'p50').ratio),
        ratio(compareAt(d, a, 'p99').ratio),
        `${ms(compareAt(b, a, 'p50').deltaMs)} ms`,
        `${ms(compareAt(b, a, 'p99').deltaMs)} ms`,
        `${ms(compareAt(c, a, 'p50').deltaMs)} ms`,
        `${ms(compareAt(c, a, 'p99').deltaMs)} ms`,
      ];
    }),
  );
}

function answerFirstRatios(phases: PhaseResult[]): string {
  return table(
    [
      'concurrency',
      'e/a p50',
      'e/a p99',
      'e/b p50',
      'e/b p95',
      'e/b p99',
      'e−a p50',
      'e−a p99',
      'after the answer p50',
      'after the answer p99',
    ],
    phases.map((p) => {
      const a = find(p, 'a').summary;
      const b = find(p, 'b').summary;
      const e = find(p, 'e');
      return [
        String(p.concurrency),
        ratio(compareAt(e.summary, a, 'p50').ratio),
        ratio(compareAt(e.summary, a, 'p99').ratio),
        ratio(compareAt(e.summary, b, 'p50').ratio),
        ratio(compareAt(e.summary, b, 'p95').ratio),
        ratio(compareAt(e.summary, b, 'p99').ratio),
        `${ms(compareAt(e.summary, a, 'p50').deltaMs)} ms`,
        `${ms(compareAt(e.summary, a, 'p99').deltaMs)} ms`,
        e.postResponse ? `${ms(e.postResponse.p50)} ms` : '–',
        e.postResponse ? `${ms(e.postResponse.p99)} ms` : '–',
      ];
    }),
  );
}

function postResponseLines(phases: PhaseResult[]): string[] {
  return phases.map((p) => {
    const b = find(p, 'b').summary;
    const e = find(p, 'eSlow');
    const after = e.postResponse
      ? `; the send took ${ms(e.postResponse.p50)} ms (p50) / ${ms(e.postResponse.p99)} ms (p99) after the answer`
      : '';
    return `- Concurrency ${p.concurrency}, answering first (e): e/b at p50 = ${ratio(compareAt(e.summary, b, 'p50').ratio)}, at p99 = ${ratio(compareAt(e.summary, b, 'p99').ratio)}${after}.`;
  });
}

function slowRatios(phases: PhaseResult[]): string {
  return table(
    [
      'concurrency',
      'cDefault/b p50',
      'cDefault/b p99',
      'cShort/b p50',
      'cShort/b p99',
      'cDefault−b p99',
      'cShort−b p99',
    ],
    phases.map((p) => {
      const b = find(p, 'b').summary;
      const cd = find(p, 'cDefault').summary;
      const cs = find(p, 'cShort').summary;
      return [
        String(p.concurrency),
        ratio(compareAt(cd, b, 'p50').ratio),
        ratio(compareAt(cd, b, 'p99').ratio),
        ratio(compareAt(cs, b, 'p50').ratio),
        ratio(compareAt(cs, b, 'p99').ratio),
        `${ms(compareAt(cd, b, 'p99').deltaMs)} ms`,
        `${ms(compareAt(cs, b, 'p99').deltaMs)} ms`,
      ];
    }),
  );
}

export interface TargetCheck {
  /** The shadowing router variant checked: c (send, then answer) or e (answer first). */
  readonly variant: 'c' | 'e';
  readonly concurrency: number;
  readonly shadowRatioP99: number;
  readonly overheadP99Ms: number;
  readonly ratioMet: boolean;
  readonly overheadMet: boolean;
}

export function checkTargets(phases: readonly PhaseResult[]): TargetCheck[] {
  return phases
    .filter((p) => p.scenario === 'fast')
    .flatMap((p) => (['c', 'e'] as const).map((variant) => ({ p, variant })))
    .map(({ p, variant }) => {
      const a = find(p, 'a').summary;
      const b = find(p, 'b').summary;
      const shadowing = find(p, variant).summary;
      const shadowRatioP99 = compareAt(shadowing, b, 'p99').ratio;
      const overheadP99Ms = compareAt(shadowing, a, 'p99').deltaMs;
      return {
        variant,
        concurrency: p.concurrency,
        shadowRatioP99,
        overheadP99Ms,
        ratioMet: shadowRatioP99 <= TARGETS.maxShadowRatioP99,
        overheadMet: overheadP99Ms < TARGETS.maxRouterOverheadP99Ms,
      };
    });
}

function targetLines(phases: PhaseResult[]): string[] {
  return checkTargets(phases).map(
    (t) =>
      `- ${t.variant === 'c' ? 'Send, then answer (c)' : 'Answer first (e)'}, concurrency ${t.concurrency}: ${t.variant}/b at p99 = ${ratio(t.shadowRatioP99)} (target ≤ ${TARGETS.maxShadowRatioP99}: ${t.ratioMet ? 'met' : 'NOT met'}); router overhead ${t.variant}−a at p99 = ${ms(t.overheadP99Ms)} ms (target < ${TARGETS.maxRouterOverheadP99Ms} ms: ${t.overheadMet ? 'met' : 'NOT met'}).`,
  );
}
