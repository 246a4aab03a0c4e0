import { type DemoModel, jsonObjectInput, jsonResponse, ModelInputError } from './types';

/** The customer features the churn models know, with the value used when one is missing. */
export const CHURN_FEATURE_DEFAULTS = {
  tenure_months: 24,
  monthly_charges: 65,
  support_calls: 1,
  contract_months: 1,
  late_payments: 0,
} as const;

export type ChurnFeature = keyof typeof CHURN_FEATURE_DEFAULTS;
export type ChurnFeatures = Record<ChurnFeature, number>;

interface LogisticWeights {
  readonly intercept: number;
  readonly weights: Readonly<Record<ChurnFeature, number>>;
}

// The demo's world: customers churn with the probability TRUTH gives (the demo draws each
// customer's true label from it, and posts it later as the outcome label). v1 is an older fit of
// that world; v2 is v1 retrained on more data, close to the truth. On typical customers the two
// agree (same label, scores within 0.1) about 98% of the time and v2 is slightly more accurate:
// a candidate that is really at least as good, so the demo can end in PROMOTE.
const TRUTH: LogisticWeights = {
  intercept: -1.9,
  weights: {
    tenure_months: -0.055,
    monthly_charges: 0.024,
    support_calls: 0.5,
    contract_months: -0.08,
    late_payments: 0.45,
  },
};

const V1: LogisticWeights = {
  intercept: -1.6,
  weights: {
    tenure_months: -0.05,
    monthly_charges: 0.022,
    support_calls: 0.42,
    contract_months: -0.07,
    late_payments: 0.35,
  },
};

const V2: LogisticWeights = TRUTH;

export function churnFeatures(input: Record<string, unknown>): ChurnFeatures {
  const features = { ...CHURN_FEATURE_DEFAULTS } as ChurnFeatures;
  for (const name of Object.keys(CHURN_FEATURE_DEFAULTS) as ChurnFeature[]) {
    const value = input[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ModelInputError(400, `feature ${name} must be a number`);
    }
    features[name] = value;
  }
  return features;
}

function churnProbability(model: LogisticWeights, features: ChurnFeatures): number {
  let z = model.intercept;
  for (const name of Object.keys(model.weights) as ChurnFeature[]) z += model.weights[name] * features[name];
  return 1 / (1 + Math.exp(-z));
}

function churnModel(weights: LogisticWeights, description: string): DemoModel {
  return {
    description,
    invoke(request) {
      const probability = churnProbability(weights, churnFeatures(jsonObjectInput(request)));
      return jsonResponse({
        label: probability >= 0.5 ? 'churn' : 'stay',
        probability: Math.round(probability * 10_000) / 10_000,
      });
    },
  };
}

/** How likely a customer really churns in the demo world. */
export function trueChurnProbability(features: ChurnFeatures): number {
  return churnProbability(TRUTH, features);
}

/** Whether a customer really churns, drawn from the demo world's truth (for outcome labels). */
export function trueChurnLabel(features: ChurnFeatures, random: () => number): 'churn' | 'stay' {
  return random() < trueChurnProbability(features) ? 'churn' : 'stay';
}

export const churnV1 = churnModel(V1, 'churn classifier v1 (logistic regression)');
export const churnV2 = churnModel(V2, 'churn classifier v2 (retrained on more data)');
