/** The local SageMaker endpoints and region of the user-path benchmark. */
export const REGION = 'us-east-1';
export const PRODUCTION_ENDPOINT = 'churn-v1';
export const CANDIDATE_ENDPOINT = 'churn-v2';
