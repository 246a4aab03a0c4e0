import fc from 'fast-check';
import {
  EVIDENCE_LOG_VERSION,
  type OutcomeLine,
  type RecordLine,
} from '../../lambda/core/evidence/log-lines';

/** Builders and generators of evidence-log lines for tests. */

export const DAY0 = Date.UTC(2026, 10, 28);

/** The fields of a record line whose request was not replayed on a candidate (canary-served, or not sampled). */
export const NOT_REPLAYED = {
  shadowSampled: false,
  candidateEndpoint: null,
  candidateStatus: null,
  candidateLatencyMs: null,
  candidateLabel: null,
  agree: null,
} as const satisfies Partial<RecordLine>;
const iso = (ms: number) => new Date(ms).toISOString();

export function recordLine(overrides: Partial<RecordLine> & { readonly requestId: string }): RecordLine {
  const receivedAtMs = overrides.receivedAtMs ?? DAY0 + 3_600_000;
  return {
    v: EVIDENCE_LOG_VERSION,
    experiment: 'v1',
    receivedAt: iso(receivedAtMs),
    receivedAtMs,
    dt: iso(receivedAtMs).slice(0, 10),
    servedVariant: 'production',
    userKey: null,
    shadowSampled: true,
    servedEndpoint: 'churn-v1',
    servedStatus: 'ok',
    servedErrorCode: null,
    servedLatencyMs: 20,
    servedLabel: 'churn',
    candidateEndpoint: 'churn-v2',
    candidateStatus: 'ok',
    candidateErrorCode: null,
    candidateLatencyMs: 25,
    candidateLabel: 'churn',
    agree: true,
    reason: null,
    noiseAgree: null,
    metricEqual: null,
    metricLabelMatch: 1,
    metricScoreDelta: 0.01,
    metricFieldsChecked: null,
    metricFieldsDisagreeing: null,
    metricMaxAbsDelta: null,
    metricOverlap: null,
    metricRankCorrelation: null,
    timeoutMs: 5000,
    servedTimeoutMs: 3000,
    ...overrides,
  };
}

export function outcomeLine(
  requestId: string,
  postedAtMs: number,
  fields: Partial<OutcomeLine>,
): OutcomeLine {
  return {
    v: EVIDENCE_LOG_VERSION,
    requestId,
    postedAt: iso(postedAtMs),
    dt: iso(postedAtMs).slice(0, 10),
    converted: null,
    value: null,
    label: null,
    ...fields,
  };
}

const status = fc.constantFrom('ok', 'ok', 'ok', 'ok', 'error', 'client_error') as fc.Arbitrary<
  'ok' | 'error' | 'client_error'
>;
const latency = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: 0.5, max: 2000, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(-5) },
  { weight: 1, arbitrary: fc.constant(0) },
);
const label = fc.constantFrom('churn', 'stay', null);

const requestArbitrary = fc.record({
  experiment: fc.constantFrom('v1', 'v1', 'v1', 'v2'),
  offsetMs: fc.integer({ min: 0, max: 3 * 86_400_000 }),
  canary: fc.boolean(),
  user: fc.option(fc.integer({ min: 0, max: 15 }), { nil: null }),
  sampled: fc.boolean(),
  servedStatus: status,
  servedLatencyMs: latency,
  servedLabel: label,
  noise: fc.constantFrom(true, false, null),
  replays: fc.subarray(['churn-v2', 'churn-v3']),
  candidateStatus: status,
  candidateLatencyMs: latency,
  candidateLabel: label,
  agree: fc.boolean(),
  reason: fc.constantFrom('labels differ', 'score delta above 0.1', null),
  scoreDelta: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  copies: fc.constantFrom(1, 1, 1, 2, 3),
  posts: fc.array(
    fc.record({
      afterMs: fc.integer({ min: -6_000, max: 17_280_000 }),
      converted: fc.option(fc.boolean(), { nil: null }),
      value: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
      label: label,
      copies: fc.constantFrom(1, 1, 2),
    }),
    { maxLength: 3 },
  ),
});

/**
 * Seeded random evidence: requests in two experiments over three days, served by production or
 * the canary, replayed on zero to two candidates, with failures, client errors, impossible
 * latencies, duplicated lines (in any order), and outcome posts split over fields, before and
 * after their request.
 */
export const evidenceArbitrary = fc
  .array(requestArbitrary, { minLength: 0, maxLength: 120 })
  .chain((requests) =>
    fc.constant(requests).map((rs) => {
      const records: RecordLine[] = [];
      const outcomes: OutcomeLine[] = [];
      rs.forEach((r, i) => {
        const requestId = `r${i}`;
        const receivedAtMs = DAY0 + r.offsetMs;
        const servedVariant = r.canary ? ('canary' as const) : ('production' as const);
        const base = {
          requestId,
          experiment: r.experiment,
          receivedAtMs,
          receivedAt: iso(receivedAtMs),
          dt: iso(receivedAtMs).slice(0, 10),
          servedVariant,
          userKey: r.user === null ? null : `user-${r.user}`,
          servedEndpoint: r.canary ? 'churn-v2' : 'churn-v1',
          servedStatus: r.servedStatus,
          servedErrorCode: r.servedStatus === 'ok' ? null : 'model_error',
          servedLatencyMs: r.servedLatencyMs,
          servedLabel: r.servedStatus === 'ok' ? r.servedLabel : null,
          noiseAgree: r.canary ? null : r.noise,
        };
        const replays = r.canary || !r.sampled ? [] : r.replays;
        const lines: RecordLine[] =
          replays.length === 0
            ? [
                recordLine({
                  ...base,
                  ...NOT_REPLAYED,
                  metricLabelMatch: null,
                  metricScoreDelta: null,
                }),
              ]
            : replays.map((endpoint) => {
                const compared = r.servedStatus === 'ok' && r.candidateStatus === 'ok';
                return recordLine({
                  ...base,
                  shadowSampled: true,
                  candidateEndpoint: endpoint,
                  candidateStatus: r.candidateStatus,
                  candidateErrorCode: r.candidateStatus === 'ok' ? null : 'timeout',
                  candidateLatencyMs: r.candidateLatencyMs,
                  candidateLabel: r.candidateStatus === 'ok' ? r.candidateLabel : null,
                  agree: compared ? r.agree : null,
                  reason: compared && !r.agree ? r.reason : null,
                  metricLabelMatch: compared ? (r.agree ? 1 : 0) : null,
                  metricScoreDelta: compared ? r.scoreDelta : null,
                });
              });
        for (let c = 0; c < r.copies; c++) records.push(...lines);
        r.posts.forEach((post, j) => {
          // Distinct post times per request: first-wins needs an order.
          const line = outcomeLine(requestId, receivedAtMs + post.afterMs * 10 + j, {
            converted: post.converted,
            value: post.value,
            label: post.label,
          });
          for (let c = 0; c < post.copies; c++) outcomes.push(line);
        });
      });
      return { records, outcomes };
    }),
  )
  .chain(({ records, outcomes }) =>
    fc
      .tuple(
        fc.shuffledSubarray(records, { minLength: records.length }),
        fc.shuffledSubarray(outcomes, { minLength: outcomes.length }),
      )
      .map(([r, o]) => ({ records: r, outcomes: o })),
  );
