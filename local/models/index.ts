import { churnV1, churnV2 } from './churn';
import { recommenderV1, recommenderV2 } from './recommender';
import type { DemoModel } from './types';

/** The demo models a models file can put behind an endpoint, by name. */
export const demoModels: Readonly<Record<string, DemoModel>> = {
  'churn-v1': churnV1,
  'churn-v2': churnV2,
  'recommender-v1': recommenderV1,
  'recommender-v2': recommenderV2,
};

export type { DemoModel, ModelRequest, ModelResponse } from './types';
export { ModelInputError } from './types';
