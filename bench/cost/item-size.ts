import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB item size by the rules in the developer guide ("Item sizes and formats",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * - an attribute is the UTF-8 bytes of its name plus the size of its value;
 * - String: UTF-8 bytes; Binary: raw bytes; Null and Boolean: 1 byte;
 * - Number: 1 byte per two significant digits (leading and trailing zeros trimmed, rounded up)
 *   plus 1 byte; the guide calls this approximate;
 * - List and Map: 3 bytes plus their elements, and 1 more byte per element (a map element also
 *   counts its key's bytes); sets: the sum of their elements.
 */
export function itemSize(item: Readonly<Record<string, AttributeValue>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** Size of each top-level attribute (name + value), largest first: what takes the space. */
export function attributeSizes(
  item: Readonly<Record<string, AttributeValue>>,
): { name: string; bytes: number }[] {
  return Object.entries(item)
    .map(([name, value]) => ({ name, bytes: utf8(name) + valueSize(value) }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** Every leaf and container of an item with its path and size, for a breakdown of nested maps. */
export function nestedSizes(
  item: Readonly<Record<string, AttributeValue>>,
): { path: string; bytes: number; nameBytes: number }[] {
  const rows: { path: string; bytes: number; nameBytes: number }[] = [];
  const walk = (path: string, name: string | undefined, value: AttributeValue, elementOverhead: number) => {
    const nameBytes = name === undefined ? 0 : utf8(name);
    rows.push({ path, bytes: nameBytes + valueSize(value) + elementOverhead, nameBytes });
    if (value.M) for (const [k, v] of Object.entries(value.M)) walk(`${path}.${k}`, k, v, 1);
    if (value.L) for (const [i, v] of value.L.entries()) walk(`${path}[${i}]`, undefined, v, 1);
  };
  for (const [name, value] of Object.entries(item)) walk(name, name, value, 0);
  return rows;
}

/** Write request units of a standard (non-transactional) write of an item of `bytes`. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read request units of a strongly consistent read of an item of `bytes` (4 KB per unit). */
export function strongReadUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}

export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((total, s) => total + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((total, n) => total + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((total, b) => total + b.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((total, v) => total + valueSize(v) + 1, 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((total, [k, v]) => total + utf8(k) + valueSize(v) + 1, 0);
  }
  throw new TypeError(`unknown attribute value type: ${Object.keys(value).join(',')}`);
}

export function numberSize(text: string): number {
  const mantissa = text.trim().replace(/^[-+]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  const significant = Math.max(1, digits.length);
  return Math.ceil(significant / 2) + 1;
}

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
