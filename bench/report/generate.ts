import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OutcomeLine, RecordLine } from '../../lambda/core/evidence/log-lines';
import type { ExperimentStart } from '../../lambda/core/experiment';
import { mulberry32 } from '../../lambda/core/stats/random';

/**
 * The benchmark's evidence: N requests of one experiment written straight into the log's files
 * (the layout the file adapter writes), spread over `days` days. Seeded, so every run writes the
 * same bytes. Shape of a busy prod stage: 50,000 users, a 10 % canary, half the production
 * requests replayed on the candidate (about 1 line in 8 disagreeing), 1 % candidate errors,
 * latencies log-normal around 40 ms, an outcome for 10 % of requests. The experiment starts at
 * noon and the report is asked at noon: its first and last days are half days, read as lines,
 * the days between (none at 100k) are whole, kept as partials in local mode.
 */
export const BENCH_EXPERIMENT: ExperimentStart = {
  id: 'v42',
  startedAt: '2026-11-01T12:00:00.000Z',
  productionEndpoint: 'churn-v1',
  candidateEndpoints: ['churn-v2'],
  canaryPercent: 10,
  sampleRate: 0.5,
};

export interface Generated {
  readonly recordLines: number;
  readonly outcomeLines: number;
  readonly recordBytes: number;
  readonly outcomeBytes: number;
  /** Epoch ms just after the last request. */
  readonly endMs: number;
}

const hex = (rnd: () => number, digits: number) =>
  Array.from({ length: digits }, () => Math.floor(rnd() * 16).toString(16)).join('');

/**
 * A request id as the router makes them (a UUID, 36 characters): its length decides what the
 * request id costs to read, join and hash, so the benchmark uses the real shape, seeded.
 */
function requestIdOf(rnd: () => number): string {
  return `${hex(rnd, 8)}-${hex(rnd, 4)}-4${hex(rnd, 3)}-${'89ab'[Math.floor(rnd() * 4)]}${hex(rnd, 3)}-${hex(rnd, 12)}`;
}

export async function generateEvidence(root: string, requests: number, seed = 7): Promise<Generated> {
  const rnd = mulberry32(seed);
  const logNormal = (median: number, sigma: number) => {
    const u = Math.max(rnd(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
    return Math.round(median * Math.exp(sigma * z) * 100) / 100;
  };
  const startMs = Date.parse(BENCH_EXPERIMENT.startedAt as string);
  const days = Math.max(1, Math.min(30, Math.ceil(requests / 100_000)));
  const stepMs = (days * 86_400_000) / requests;
  const streams = new Map<string, { stream: ReturnType<typeof createWriteStream>; buffer: string[] }>();
  let recordBytes = 0;
  let outcomeBytes = 0;
  let recordLines = 0;
  let outcomeLines = 0;
  const write = async (relation: 'records' | 'outcomes', dt: string, line: RecordLine | OutcomeLine) => {
    const key = `${relation}/${dt}`;
    let entry = streams.get(key);
    if (entry === undefined) {
      const folder = join(root, relation, `dt=${dt}`);
      mkdirSync(folder, { recursive: true });
      entry = { stream: createWriteStream(join(folder, 'part-bench.jsonl')), buffer: [] };
      streams.set(key, entry);
    }
    const text = JSON.stringify(line);
    if (relation === 'records') {
      recordBytes += text.length + 1;
      recordLines += 1;
    } else {
      outcomeBytes += text.length + 1;
      outcomeLines += 1;
    }
    entry.buffer.push(text);
    if (entry.buffer.length >= 2000) {
      const chunk = `${entry.buffer.join('\n')}\n`;
      entry.buffer = [];
      const stream = entry.stream;
      if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    }
  };

  for (let i = 0; i < requests; i++) {
    const receivedAtMs = Math.floor(startMs + i * stepMs);
    const receivedAt = new Date(receivedAtMs).toISOString();
    const dt = receivedAt.slice(0, 10);
    const user = Math.floor(rnd() * 50_000);
    const canary = user % 10 === 0;
    const sampled = !canary && rnd() < BENCH_EXPERIMENT.sampleRate;
    const servedLabel = rnd() < 0.3 ? 'churn' : 'stay';
    const candidateFailed = rnd() < 0.01;
    const agree = !candidateFailed && rnd() > 0.12;
    const servedEndpoint = canary ? 'churn-v2' : 'churn-v1';
    const line: RecordLine = {
      v: 1,
      requestId: requestIdOf(rnd),
      experiment: BENCH_EXPERIMENT.id,
      receivedAt,
      receivedAtMs,
      dt,
      servedVariant: canary ? 'canary' : 'production',
      userKey: `u${user.toString(16).padStart(31, '0')}`,
      shadowSampled: sampled,
      servedEndpoint,
      servedStatus: 'ok',
      servedErrorCode: null,
      servedLatencyMs: logNormal(canary ? 42 : 40, 0.4),
      servedLabel,
      candidateEndpoint: sampled ? 'churn-v2' : null,
      candidateStatus: sampled ? (candidateFailed ? 'error' : 'ok') : null,
      candidateErrorCode: sampled && candidateFailed ? 'timeout' : null,
      candidateLatencyMs: sampled ? (candidateFailed ? 5000 : logNormal(42, 0.4)) : null,
      candidateLabel:
        sampled && !candidateFailed
          ? agree
            ? servedLabel
            : servedLabel === 'churn'
              ? 'stay'
              : 'churn'
          : null,
      agree: sampled && !candidateFailed ? agree : null,
      reason: sampled && !candidateFailed && !agree ? 'labels differ' : null,
      noiseAgree: sampled && !candidateFailed && rnd() < 0.05 ? rnd() > 0.02 : null,
      metricEqual: null,
      metricLabelMatch: sampled && !candidateFailed ? (agree ? 1 : 0) : null,
      metricScoreDelta: sampled && !candidateFailed ? Math.round(rnd() * 1000) / 10_000 : null,
      metricFieldsChecked: null,
      metricFieldsDisagreeing: null,
      metricMaxAbsDelta: null,
      metricOverlap: null,
      metricRankCorrelation: null,
      timeoutMs: 5000,
      servedTimeoutMs: 3000,
    };
    await write('records', dt, line);
    if (rnd() < 0.1) {
      const postedAt = new Date(receivedAtMs + 60_000).toISOString();
      await write('outcomes', postedAt.slice(0, 10), {
        v: 1,
        requestId: line.requestId,
        postedAt,
        dt: postedAt.slice(0, 10),
        converted: rnd() < 0.1,
        value: null,
        label: rnd() < 0.5 ? servedLabel : null,
      });
    }
  }
  await Promise.all(
    [...streams.values()].map(
      ({ stream, buffer }) =>
        new Promise<void>((resolve, reject) => {
          stream.end(buffer.length > 0 ? `${buffer.join('\n')}\n` : '', () => resolve());
          stream.once('error', reject);
        }),
    ),
  );
  return {
    recordLines,
    outcomeLines,
    recordBytes,
    outcomeBytes,
    endMs: Math.floor(startMs + requests * stepMs) + 1,
  };
}
