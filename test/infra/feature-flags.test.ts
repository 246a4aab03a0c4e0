import { CURRENTLY_RECOMMENDED_FLAGS, FLAGS } from 'aws-cdk-lib/cx-api';
import { CDK_JSON_CONTEXT } from './support/synth';

const NOT_FLAGS = new Set(['cli-telemetry']);

describe('cdk.json feature flags', () => {
  const flags = Object.keys(CDK_JSON_CONTEXT).filter((key) => !NOT_FLAGS.has(key));

  it('names only real aws-cdk-lib feature flags', () => {
    // e.g. "@aws-cdk/aws-sqs:enforceSslFromProps" once stood here and was never a flag.
    expect(flags.filter((flag) => !(flag in FLAGS))).toEqual([]);
  });

  it('sets every flag aws-cdk-lib recommends, at its recommended value (nothing was deployed before them)', () => {
    const missingOrDifferent = Object.entries(CURRENTLY_RECOMMENDED_FLAGS)
      .filter(([flag, value]) => JSON.stringify(CDK_JSON_CONTEXT[flag]) !== JSON.stringify(value))
      .map(([flag]) => flag);
    expect(missingOrDifferent).toEqual([]);
  });
});
