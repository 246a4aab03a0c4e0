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

// v2 is a "retrained" v1: same features, slightly different weights. On typical customers the
// labels differ for about 6% and the classification comparator (label + score within 0.1)
// reports about 10% disagreement: enough to see in a demo, not enough to reject outright.
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

const V2: LogisticWeights = {
  intercept: -2.2,
  weights: {
    tenure_months: -0.05,
    monthly_charges: 0.025,
    support_calls: 0.42,
    contract_months: -0.07,
    late_payments: 0.34,
  },
};

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

export const churnV1 = churnModel(V1, 'churn classifier v1 (logistic regression)');
export const churnV2 = churnModel(V2, 'churn classifier v2 (retrained weights)');
