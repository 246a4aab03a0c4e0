/** Selects and configures the comparator used for a deployment (per stage). */
export type ComparatorConfig =
  | { readonly type: 'exact' }
  | {
      readonly type: 'classification';
      /** JSON path to the predicted label, e.g. `label` or `predictions[0].label`. */
      readonly labelPath: string;
      /** JSON path to the predicted score/probability, when the model returns one. */
      readonly scorePath?: string;
      /** Largest absolute score difference still counted as agreement. @default Infinity */
      readonly maxScoreDelta?: number;
    }
  | {
      readonly type: 'fields';
      readonly fields: readonly {
        readonly path: string;
        readonly absTolerance?: number;
        readonly relTolerance?: number;
      }[];
    }
  | {
      readonly type: 'ranking';
      /** JSON path to the ranked list of item ids. */
      readonly itemsPath: string;
      readonly k: number;
      /** Minimum top-k overlap (0..1) counted as agreement. */
      readonly minOverlap: number;
      /**
       * Minimum rank correlation (Kendall's tau-b over the union of both top-k lists, -1..1) also
       * required for agreement, for rankings where order matters and not only membership.
       * @default - not required
       */
      readonly minRankCorrelation?: number;
    };

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
