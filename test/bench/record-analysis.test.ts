import { analyzeRecord } from '../../bench/cost/record-analysis';

describe('analyzeRecord', () => {
  // Arrange: a small record in DynamoDB's wire format, sizes hand-computed.
  const result = (endpoint: string) => ({
    M: {
      endpoint: { S: endpoint }, // 8 + 8 + 1
      contentType: { S: 'application/json' }, // 11 + 16 + 1
      encoding: { S: 'utf8' }, // 8 + 4 + 1
      latencyMs: { N: '22.53' }, // 9 + 3 + 1
    },
  }); // 3 + 17 + 28 + 13 + 13 = 74
  const item = {
    requestId: { S: 'r-1' }, // 9 + 3 = 12
    served: result('churn-v1'), // 6 + 74 = 80
    candidates: { L: [{ M: { endpoint: { S: 'churn-v2' }, result: result('churn-v2') } }] },
    // candidates: 10 + 3 + (map: 3 + (8 + 8 + 1) + (6 + 74 + 1) + 1) = 10 + 3 + 102 = 115
  };

  it('sizes the item and says whether it fits one write unit', () => {
    // Act
    const analysis = analyzeRecord(item, { ...item, outcome: { M: { converted: { BOOL: true } } } });

    // Assert
    expect(analysis.bytes).toBe(12 + 80 + 115);
    expect(analysis.writeUnits).toBe(1);
    expect(analysis.withinOneWriteUnit).toBe(true);
    // outcome: 7 + (3 + 9 + 1 + 1) = 21
    expect(analysis.bytesWithOutcome).toBe(12 + 80 + 115 + 21);
    expect(analysis.attributes.map((a) => a.name)).toEqual(['candidates', 'served', 'requestId']);
    expect(analysis.maxCapturedBodyBytesInOneWru).toBeUndefined();
  });

  it('prices each layout change by the bytes it removes', () => {
    // Act
    const savings = Object.fromEntries(
      analyzeRecord(item, item).savings.map((s) => [
        s.proposal.split(' ').slice(0, 2).join(' '),
        s.savedBytes,
      ]),
    );

    // Assert: the repeated endpoint is 8 + 8 + 1; the defaults are (28 + 13) per result.
    expect(savings['drop candidates[].result.endpoint']).toBe(17);
    expect(savings['drop contentType,']).toBe(2 * (28 + 13));
    // '22.53' (4 digits, 3 bytes) becomes '23' (2 digits, 2 bytes) in both results.
    expect(savings['store latencies']).toBe(2 * 1);
  });
});
