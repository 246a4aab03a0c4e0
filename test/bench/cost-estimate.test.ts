import { type CostInput, estimateCost } from '../../bench/cost/estimate';

const INPUT: CostInput = {
  requests: 1_000_000,
  sampleRate: 0.1,
  outcomeRate: 0,
  routerMemoryMb: 1024,
  workerMemoryMb: 1024,
  outcomesMemoryMb: 256,
  routerMs: 20,
  dispatchMs: 10,
  workerBatchMs: 100,
  outcomesMs: 15,
  messagesPerBatch: 10,
  messageBytes: 1000,
  recordBytes: 800,
  recordWithOutcomeBytes: 860,
  noiseBaselineShare: 0,
  recordWithBaselineBytes: 1100,
  outcomeOnlyBytes: 120,
  ttlDays: 30,
  pointInTimeRecovery: false,
  gsiProjectsAll: true,
  logBytesPerRouterRequest: 0,
  logBytesPerInvocationPlatform: 0,
  xraySampleRate: 0,
};

const cost = (estimate: ReturnType<typeof estimateCost>, item: string) => {
  const line = estimate.lines.find((l) => l.item.startsWith(item));
  if (!line) throw new Error(`no line ${item}`);
  return line;
};

describe('estimateCost', () => {
  it('prices a known input line by line (hand-computed)', () => {
    // Act
    const estimate = estimateCost(INPUT);

    // Assert
    expect(cost(estimate, 'POST /predict').usd).toBeCloseTo(3.5, 10);
    expect(cost(estimate, 'router invocations').usd).toBeCloseTo(0.2, 10);
    // 900k × 1 GB × 0.020 s + 100k × 1 GB × 0.030 s = 21,000 GB-s
    expect(cost(estimate, 'router duration').quantity).toBeCloseTo(21_000, 6);
    expect(cost(estimate, 'router duration').usd).toBeCloseTo(21_000 * 0.0000133334, 10);
    expect(cost(estimate, 'worker invocations').quantity).toBe(10_000);
    expect(cost(estimate, 'worker duration').quantity).toBeCloseTo(1_000, 6);
    // 100k sends + 10k receives (10 × 1000 B fits one 64 KB chunk) + 10k batch deletes
    expect(cost(estimate, 'SendMessage').quantity).toBe(100_000);
    expect(cost(estimate, 'ReceiveMessage').quantity).toBe(10_000);
    expect(cost(estimate, 'DeleteMessageBatch').quantity).toBe(10_000);
    // 800 B → 1 WRU, written to the table and the ALL-projection index
    expect(cost(estimate, 'comparison write').quantity).toBe(200_000);
    expect(cost(estimate, 'comparison write').usd).toBeCloseTo(0.125, 10);
    expect(cost(estimate, 'duplicate check').usd).toBeCloseTo(0.0125, 10);
    // (800 + 100) × 2 B × 100k, over 30 of 30.4375 days a month
    expect(cost(estimate, 'storage').quantity).toBeCloseTo(
      ((1800 * 100_000) / 1024 ** 3) * (30 / 30.4375),
      10,
    );
    expect(estimate.lines.some((l) => l.item.startsWith('point-in-time'))).toBe(false);
    expect(estimate.observabilityUsd).toBe(0);
    expect(estimate.totalUsd).toBeCloseTo(
      3.5 + 0.2 + 0.2800014 + 0.002 + 0.0133334 + 0.048 + 0.0125 + 0.125 + (0.16763806 * 30) / 30.4375 / 4,
      6,
    );
    expect(estimate.perMillionRequestsUsd).toBeCloseTo(estimate.totalUsd, 10);
  });

  it('chunks SQS payloads by 64 KB and bills big records by the KB', () => {
    // Arrange: a 100 KB message is two send requests; ten of them, 16 receive chunks.
    const big = { ...INPUT, messageBytes: 100 * 1024, recordBytes: 2500 };

    // Act
    const estimate = estimateCost(big);

    // Assert
    expect(cost(estimate, 'SendMessage').quantity).toBe(200_000);
    expect(cost(estimate, 'ReceiveMessage').quantity).toBe(10_000 * 16);
    expect(estimate.derived.wruPerComparison).toBe(6);
  });

  it('weights the write units of records that carry the noise baseline', () => {
    // Arrange: 10% of the records are 1100 B (2 WRU), the rest 800 B (1 WRU).
    const withBaseline = { ...INPUT, noiseBaselineShare: 0.1 };

    // Act
    const estimate = estimateCost(withBaseline);

    // Assert: (0.9 × 1 + 0.1 × 2) × 2 copies per comparison
    expect(estimate.derived.wruPerComparison).toBeCloseTo(2.2, 10);
    expect(cost(estimate, 'comparison write').quantity).toBeCloseTo(220_000, 6);
  });

  it('adds outcome requests and writes, and PITR on the table only', () => {
    // Arrange
    const withOutcomes = { ...INPUT, outcomeRate: 0.5, pointInTimeRecovery: true };

    // Act
    const estimate = estimateCost(withOutcomes);

    // Assert: 50k outcomes of sampled requests update both copies (2 WRU), 450k create small items.
    expect(cost(estimate, 'POST /outcomes').quantity).toBe(500_000);
    expect(cost(estimate, 'outcome writes').quantity).toBe(50_000 * 2 + 450_000);
    // Half the 100k records grow by 60 B; 450k outcome-only items of 120 B; all + 100 B overhead.
    const bytes = 100_000 * (800 + 0.5 * 60 + 100) * 2 + 450_000 * (120 + 100);
    expect(cost(estimate, 'storage').quantity).toBeCloseTo((bytes / 1024 ** 3) * (30 / 30.4375), 10);
    const storage = cost(estimate, 'storage').quantity;
    expect(cost(estimate, 'point-in-time').quantity).toBeCloseTo(storage / 2, 10);
  });
});
