import * as v from 'valibot';
import { fields, numberIn } from '../schema';
import { parseJsonPath } from './json-path';

/** Largest k of a ranking comparison. */
export const MAX_RANKING_K = 1000;

/**
 * The schema of a comparator config, built on first use: a bundle that never checks one (the
 * router) keeps neither it nor valibot (esbuild drops unused functions, not schemas built at
 * module scope).
 */
function buildComparatorConfigSchema() {
  /** A JSON path the comparators can read (json-path.ts), or the parser's reason why not. */
  const jsonPath = v.pipe(
    v.string('must be a JSON path string'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      try {
        parseJsonPath(dataset.value);
      } catch (error) {
        addIssue({ message: `: ${(error as Error).message}` });
      }
    }),
  );
  const atLeastZero = numberIn(0, Infinity, 'must be a number >= 0');
  return v.variant(
    'type',
    [
      fields({ type: v.literal('exact') }),
      fields({
        type: v.literal('classification'),
        /** JSON path to the predicted label, e.g. `label` or `predictions[0].label`. */
        labelPath: jsonPath,
        /** JSON path to the predicted score/probability, when the model returns one. */
        scorePath: v.optional(jsonPath),
        /** Largest absolute score difference still counted as agreement. @default Infinity */
        maxScoreDelta: v.optional(atLeastZero),
      }),
      fields({
        type: v.literal('fields'),
        fields: v.pipe(
          v.array(
            fields({
              path: jsonPath,
              absTolerance: v.optional(atLeastZero),
              relTolerance: v.optional(atLeastZero),
            }),
            'must be a non-empty array of { path, absTolerance?, relTolerance? }',
          ),
          v.minLength(1, 'must be a non-empty array of { path, absTolerance?, relTolerance? }'),
          v.readonly(),
        ),
      }),
      fields({
        type: v.literal('ranking'),
        /** JSON path to the ranked list of item ids. */
        itemsPath: jsonPath,
        k: numberIn(1, MAX_RANKING_K, 'must be an integer in [1, 1000]', true),
        /** Minimum top-k overlap (0..1) counted as agreement. */
        minOverlap: numberIn(0, 1, 'must be a number in [0, 1]'),
        /**
         * Minimum rank correlation (Kendall's tau-b over the union of both top-k lists, -1..1) also
         * required for agreement, for rankings where order matters and not only membership.
         * @default - not required
         */
        minRankCorrelation: v.optional(numberIn(-1, 1, 'must be a number in [-1, 1]')),
      }),
    ],
    (issue) =>
      `must be one of exact, fields, classification, ranking (got ${JSON.stringify(issue.input) ?? 'nothing'})`,
  );
}

let schema: ReturnType<typeof buildComparatorConfigSchema> | undefined;

export function comparatorConfigSchema(): ReturnType<typeof buildComparatorConfigSchema> {
  schema ??= buildComparatorConfigSchema();
  return schema;
}

/** Selects and configures the comparator used for a deployment (per stage). */
export type ComparatorConfig = Readonly<v.InferOutput<ReturnType<typeof buildComparatorConfigSchema>>>;

/** What every comparator returns: a verdict on this pair plus the numbers behind it. */
export interface ComparisonResult {
  readonly comparator: ComparatorConfig['type'];
  readonly agree: boolean;
  /** Comparator-specific numbers, e.g. `scoreDelta`, `overlap`, `rankCorrelation`. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Short human-readable reason when the pair disagrees (never contains payloads). */
  readonly reason?: string;
}

/** A comparator is a pure function of two decoded answers. */
export type Comparator = (production: ModelAnswer, candidate: ModelAnswer) => ComparisonResult;

/** A model answer as comparators see it: parsed JSON when it is JSON, the raw text otherwise. */
export interface ModelAnswer {
  readonly contentType: string;
  readonly text: string;
  /** `undefined` when the body is not JSON. */
  readonly json?: unknown;
}
