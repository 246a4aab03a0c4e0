import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { attributeSizes, itemSize, nestedSizes, writeUnits } from './item-size';

type Item = Record<string, AttributeValue>;

export interface SizeSaving {
  readonly proposal: string;
  readonly savedBytes: number;
}

export interface RecordAnalysis {
  readonly bytes: number;
  readonly writeUnits: number;
  readonly withinOneWriteUnit: boolean;
  readonly bytesWithOutcome: number;
  readonly writeUnitsWithOutcome: number;
  readonly attributes: { name: string; bytes: number }[];
  /** Leaves (strings, numbers…) of the item, largest first. */
  readonly largestLeaves: { path: string; bytes: number }[];
  /** How much each change to the record's layout would save on this item. */
  readonly savings: SizeSaving[];
  /** With input capture on: the largest request body that still fits one write unit. */
  readonly maxCapturedBodyBytesInOneWru?: number;
}

export function analyzeRecord(item: Item, itemWithOutcome: Item): RecordAnalysis {
  const bytes = itemSize(item);
  const body = item.input?.M?.body?.S;
  return {
    bytes,
    writeUnits: writeUnits(bytes),
    withinOneWriteUnit: bytes <= 1024,
    bytesWithOutcome: itemSize(itemWithOutcome),
    writeUnitsWithOutcome: writeUnits(itemSize(itemWithOutcome)),
    attributes: attributeSizes(item),
    largestLeaves: nestedSizes(item)
      .filter((row) => isLeaf(item, row.path))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 10)
      .map(({ path, bytes: b }) => ({ path, bytes: b })),
    savings: SAVINGS.map(({ proposal, apply }) => ({
      proposal,
      savedBytes: bytes - itemSize(apply(clone(item))),
    })).filter((s) => s.savedBytes > 0),
    ...(body === undefined ? {} : { maxCapturedBodyBytesInOneWru: 1024 - (bytes - Buffer.byteLength(body)) }),
  };
}

/** Every stored model result of an item: the served one, the candidates', the noise baseline's. */
function storedResults(item: Item): Record<string, AttributeValue>[] {
  const results = [
    item.served?.M,
    item.noiseBaseline?.M?.result?.M,
    ...(item.candidates?.L ?? []).map((c) => c.M?.result?.M),
  ];
  return results.filter((r): r is Record<string, AttributeValue> => r !== undefined);
}

/** Every stored comparison of an item: each candidate's and the noise baseline's. */
function storedComparisons(item: Item): Record<string, AttributeValue>[] {
  const comparisons = [
    ...(item.candidates?.L ?? []).map((c) => c.M?.comparison?.M),
    item.noiseBaseline?.M?.comparison?.M,
  ];
  return comparisons.filter((c): c is Record<string, AttributeValue> => c !== undefined);
}

/** Layout changes to the stored record, each applied alone to the typical item. */
const SAVINGS: { proposal: string; apply: (item: Item) => Item }[] = [
  {
    proposal:
      "keep only the noise baseline's comparison, status and latency, not production's second answer (body, content type, encoding, variant, endpoint)",
    apply: (item) => {
      const rerun = item.noiseBaseline?.M?.result?.M;
      if (rerun)
        for (const key of ['body', 'contentType', 'encoding', 'variant', 'endpoint']) delete rerun[key];
      return item;
    },
  },
  {
    proposal: 'drop candidates[].result.endpoint (repeats candidates[].endpoint)',
    apply: (item) => {
      for (const c of item.candidates?.L ?? []) delete c.M?.result?.M?.endpoint;
      return item;
    },
  },
  {
    proposal:
      'drop contentType, encoding and variant from stored results and input when they are the common case (application/json, utf8, AllTraffic)',
    apply: (item) => {
      for (const r of storedResults(item)) {
        if (r.contentType?.S === 'application/json') delete r.contentType;
        if (r.encoding?.S === 'utf8') delete r.encoding;
        if (r.variant?.S === 'AllTraffic') delete r.variant;
      }
      if (item.input?.M?.contentType?.S === 'application/json') delete item.input.M.contentType;
      return item;
    },
  },
  {
    proposal:
      'round comparator metrics to 4 decimals (a float difference such as scoreDelta carries 17 digits)',
    apply: (item) => {
      for (const c of storedComparisons(item)) {
        for (const value of Object.values(c.metrics?.M ?? {})) {
          if (value.N !== undefined) value.N = String(Math.round(Number(value.N) * 1e4) / 1e4);
        }
      }
      return item;
    },
  },
  {
    proposal: 'store the input hash as base64url (43 chars) instead of hex (64)',
    apply: (item) => {
      const hash = item.input?.M?.sha256;
      if (hash?.S) hash.S = Buffer.from(hash.S, 'hex').toString('base64url');
      return item;
    },
  },
  {
    proposal: 'store latencies as whole milliseconds',
    apply: (item) => {
      for (const r of storedResults(item))
        if (r.latencyMs?.N) r.latencyMs.N = String(Math.round(Number(r.latencyMs.N)));
      return item;
    },
  },
];

function clone(item: Item): Item {
  return structuredClone(item);
}

function isLeaf(item: Item, path: string): boolean {
  let value: AttributeValue | undefined;
  for (const part of path.split(/\.|(?=\[)/)) {
    const index = /^\[(\d+)\]$/.exec(part);
    if (value === undefined) value = item[part];
    else if (index) value = value.L?.[Number(index[1])];
    else value = value.M?.[part];
  }
  return value !== undefined && value.M === undefined && value.L === undefined;
}
