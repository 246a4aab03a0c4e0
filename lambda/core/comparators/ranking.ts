import { getAtPath, parseJsonPath } from './json-path';
import type { ComparatorConfig, ComparisonResult, ModelAnswer } from './types';
import { canonicalLabel } from './values';

type RankingConfig = Extract<ComparatorConfig, { type: 'ranking' }>;

/**
 * Compares two ranked lists (recommendations, search results) by their top k.
 *
 * - `overlap` = |A ∩ B| / k: the share of the top k both models put there. When a list is
 *   shorter than k the denominator is the longer list's length, so identical short lists
 *   still overlap fully.
 * - `rankCorrelation` = Kendall's tau-b over the union of both top-k lists, an item missing from
 *   one list placed there at rank (length + 1), tied with the other missing items — the
 *   "k+1 placement" of Fagin, Kumar & Sivakumar, "Comparing top k lists" (SIAM J. Discrete
 *   Math. 17(1), 2003). Chosen over rank-biased overlap because it is a true correlation in
 *   [-1, 1] (a sign says "reversed"), symmetric, parameter-free, and defined for lists that do
 *   not hold the same items; tau-b's tie correction keeps the tied missing items from counting
 *   as agreement. Top-heaviness is left to `overlap`, which is what the guardrail uses.
 */
export function rankingComparator(
  config: RankingConfig,
): (p: ModelAnswer, c: ModelAnswer) => ComparisonResult {
  const itemsPath = parseJsonPath(config.itemsPath);
  const topK = (answer: ModelAnswer): string[] | undefined => {
    if (answer.json === undefined) return undefined;
    const found = getAtPath(answer.json, itemsPath);
    if (!found.found || !Array.isArray(found.value)) return undefined;
    return topDistinct(found.value, config.k);
  };

  return (production, candidate) => {
    const productionTop = topK(production);
    const candidateTop = topK(candidate);
    if (productionTop === undefined || candidateTop === undefined) {
      const side = productionTop === undefined ? 'production' : 'candidate';
      return {
        comparator: 'ranking',
        agree: false,
        metrics: { overlap: 0 },
        reason: `ranked items missing in ${side} answer`,
      };
    }
    const overlap = topKOverlap(productionTop, candidateTop);
    const rankCorrelation = kendallTauB(productionTop, candidateTop);
    const metrics = { overlap, rankCorrelation };
    if (overlap < config.minOverlap) {
      return {
        comparator: 'ranking',
        agree: false,
        metrics,
        reason: `top-${config.k} overlap below ${config.minOverlap}`,
      };
    }
    if (config.minRankCorrelation !== undefined && rankCorrelation < config.minRankCorrelation) {
      return {
        comparator: 'ranking',
        agree: false,
        metrics,
        reason: `rank correlation below ${config.minRankCorrelation}`,
      };
    }
    return { comparator: 'ranking', agree: true, metrics };
  };
}

/** The first k distinct items, as canonical keys (a repeated item keeps its best rank). */
export function topDistinct(items: readonly unknown[], k: number): string[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.size >= k) break;
    const key = canonicalLabel(item) ?? 'null';
    seen.add(key);
  }
  return [...seen];
}

/** |A ∩ B| / max(|A|, |B|); 1 when both are empty (two empty answers agree). */
export function topKOverlap(a: readonly string[], b: readonly string[]): number {
  const size = Math.max(a.length, b.length);
  if (size === 0) return 1;
  const inB = new Set(b);
  let shared = 0;
  for (const item of a) if (inB.has(item)) shared += 1;
  return shared / size;
}

/**
 * Kendall's tau-b of two top lists over their union (k+1 placement for missing items).
 * Degenerate cases, where every item is tied in one list (e.g. one list empty), give 1 when the
 * lists are identical and 0 otherwise.
 */
export function kendallTauB(a: readonly string[], b: readonly string[]): number {
  const union = [...new Set([...a, ...b])];
  const rankIn = (list: readonly string[]) => {
    const ranks = new Map(list.map((item, i) => [item, i + 1]));
    return union.map((item) => ranks.get(item) ?? list.length + 1);
  };
  const ra = rankIn(a);
  const rb = rankIn(b);
  let concordant = 0;
  let discordant = 0;
  let tiedA = 0;
  let tiedB = 0;
  for (let i = 0; i < union.length; i++) {
    for (let j = i + 1; j < union.length; j++) {
      const da = Math.sign((ra[i] ?? 0) - (ra[j] ?? 0));
      const db = Math.sign((rb[i] ?? 0) - (rb[j] ?? 0));
      if (da === 0) tiedA += 1;
      if (db === 0) tiedB += 1;
      if (da !== 0 && db !== 0) {
        if (da === db) concordant += 1;
        else discordant += 1;
      }
    }
  }
  const pairs = (union.length * (union.length - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedA) * (pairs - tiedB));
  if (denominator === 0) return a.length === b.length && a.every((item, i) => item === b[i]) ? 1 : 0;
  return (concordant - discordant) / denominator;
}
