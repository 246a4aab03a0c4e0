import { type DemoModel, jsonObjectInput, jsonResponse, ModelInputError } from './types';

const CATALOGUE_SIZE = 40;
const DIMENSIONS = 4;
const DEFAULT_K = 5;
const MAX_K = 20;

export const catalogue: readonly string[] = Array.from({ length: CATALOGUE_SIZE }, (_, i) => `item-${i + 1}`);

type Vector = readonly number[];

/** Fixed pseudo-embeddings: deterministic, spread out, no training data to ship. */
function itemEmbedding(index: number, variantShift: number): Vector {
  return Array.from(
    { length: DIMENSIONS },
    (_, d) => Math.sin((index + 1) * (d + 1) * 1.7) + variantShift * Math.cos((index + 3) * (d + 2)),
  );
}

/** Zipf-like popularity: low item numbers are the best sellers. */
function popularity(index: number): number {
  return 1 / (1 + index / 8);
}

function stringHash(text: string): number {
  let hash = 7;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) % 1_000_003;
  return hash;
}

function userVector(input: Record<string, unknown>, embeddings: readonly Vector[]): Vector {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  const history = historyOf(input);
  if (history.length > 0) {
    for (const item of history) {
      const embedding = embeddings[catalogue.indexOf(item)];
      if (!embedding) continue;
      for (let d = 0; d < DIMENSIONS; d++)
        vector[d] = (vector[d] ?? 0) + (embedding[d] ?? 0) / history.length;
    }
    return vector;
  }
  const features = input.user_features;
  if (typeof features !== 'object' || features === null || Array.isArray(features)) {
    throw new ModelInputError(400, 'expected "user_features" (object) or "history" (array of item ids)');
  }
  for (const [name, value] of Object.entries(features)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const seed = stringHash(name);
    for (let d = 0; d < DIMENSIONS; d++)
      vector[d] = (vector[d] ?? 0) + Math.sin(seed + d) * Math.tanh(value / 50);
  }
  return vector;
}

function historyOf(input: Record<string, unknown>): string[] {
  const history = input.history;
  if (history === undefined) return [];
  if (!Array.isArray(history) || history.some((item) => typeof item !== 'string')) {
    throw new ModelInputError(400, '"history" must be an array of item ids');
  }
  return history as string[];
}

function topK(input: Record<string, unknown>): number {
  const k = input.k ?? DEFAULT_K;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new ModelInputError(400, `"k" must be an integer in [1, ${MAX_K}]`);
  }
  return k;
}

function recommenderModel(variantShift: number, popularityWeight: number, description: string): DemoModel {
  const embeddings = catalogue.map((_, i) => itemEmbedding(i, variantShift));
  return {
    description,
    invoke(request) {
      const input = jsonObjectInput(request);
      const k = topK(input);
      const seen = new Set(historyOf(input));
      const user = userVector(input, embeddings);
      const items = catalogue
        .map((item, i) => {
          const embedding = embeddings[i] ?? [];
          const affinity = embedding.reduce((sum, value, d) => sum + value * (user[d] ?? 0), 0);
          return { item, score: affinity + popularityWeight * popularity(i) };
        })
        .filter(({ item }) => !seen.has(item))
        .sort((a, b) => b.score - a.score || a.item.localeCompare(b.item))
        .slice(0, k)
        .map(({ item }) => item);
      return jsonResponse({ items });
    },
  };
}

export const recommenderV1 = recommenderModel(0, 0.5, 'recommender v1 (embedding affinity + popularity)');
export const recommenderV2 = recommenderModel(0.35, 0.9, 'recommender v2 (new embeddings, more popularity)');
