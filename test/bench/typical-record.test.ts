import { itemSize, writeUnits } from '../../bench/cost/item-size';
import { buildTypicalRecord } from '../../bench/cost/typical-record';
import { stages } from '../../lib/config/stages';

describe('typical comparison record (real router → worker code path)', () => {
  it('is the item the worker writes, and fits one write unit in prod', async () => {
    // Act
    const typical = await buildTypicalRecord(stages.prod);

    // Assert
    expect(Object.keys(typical.item)).toEqual(
      expect.arrayContaining([
        'requestId',
        'receivedAt',
        'comparedAt',
        'shadowSampled',
        'served',
        'candidates',
        'expiresAt',
      ]),
    );
    expect(typical.item.input?.M?.body).toBeUndefined(); // prod stores only the input's hash
    expect(typical.item.candidates?.L?.[0]?.M?.comparison?.M?.agree).toBeDefined();
    expect(typical.itemWithOutcome.outcome?.M?.converted).toEqual({ BOOL: true });
    expect(writeUnits(itemSize(typical.item))).toBe(1);
    expect(typical.messageBytes).toBeLessThan(64 * 1024);
  });

  it('still fits one write unit with a noise baseline and a joined outcome', async () => {
    const withNoise = await buildTypicalRecord(stages.prod, { noiseBaseline: true });
    expect(withNoise.item.noiseBaseline?.M?.comparison).toBeDefined();
    expect(withNoise.item.noiseBaseline?.M?.result?.M?.body).toBeUndefined();
    expect(writeUnits(itemSize(withNoise.itemWithOutcome))).toBe(1);
  });
});
