import {
  attributeSizes,
  itemSize,
  numberSize,
  strongReadUnits,
  writeUnits,
} from '../../bench/cost/item-size';

describe('DynamoDB item size', () => {
  it.each([
    ['123', 3], // 3 significant digits → 2 bytes + 1
    ['12', 2],
    ['100', 2], // trailing zeros trimmed: one significant digit
    ['0.0672', 3], // leading zeros trimmed: 672
    ['1797913184', 6],
    ['-12.5', 3],
    ['0.06719999999999993', 9], // 16 significant digits → 8 bytes + 1
  ])('number %s takes %d bytes', (text, bytes) => {
    expect(numberSize(text)).toBe(bytes);
  });

  it('adds up names and values of scalars', () => {
    // Arrange: hand-computed per the developer guide.
    const item = {
      requestId: { S: 'abc' }, // 9 + 3
      status: { S: 'ok' }, // 6 + 2
      latencyMs: { N: '22.53' }, // 9 + (4 digits → 2 + 1)
      agree: { BOOL: true }, // 5 + 1
      userKey: { NULL: true }, // 7 + 1
      blob: { B: new Uint8Array([1, 2, 3, 4]) }, // 4 + 4
      café: { S: 'é' }, // 5 (UTF-8) + 2
    };

    // Act / Assert
    expect(itemSize(item)).toBe(12 + 8 + 12 + 6 + 8 + 8 + 7);
  });

  it('counts 3 bytes per map or list and 1 byte per element', () => {
    // Arrange
    const item = {
      m: { M: { a: { S: 'xy' }, n: { N: '5' } } }, // 1 + 3 + (1 + 2 + 1) + (1 + 2 + 1)
      l: { L: [{ N: '1' }, { BOOL: false }] }, // 1 + 3 + (2 + 1) + (1 + 1)
      e: { M: {} }, // 1 + 3
      s: { SS: ['ab', 'c'] }, // 1 + (2 + 1): sets carry no overhead
    };

    // Act / Assert
    expect(itemSize(item)).toBe(12 + 9 + 4 + 4);
    expect(attributeSizes(item).map((a) => a.name)).toEqual(['m', 'l', 'e', 's']);
  });

  it('turns sizes into request units', () => {
    expect([writeUnits(0), writeUnits(1024), writeUnits(1025), writeUnits(3000)]).toEqual([1, 1, 2, 3]);
    expect([strongReadUnits(0), strongReadUnits(4096), strongReadUnits(4097)]).toEqual([1, 1, 2]);
  });
});
