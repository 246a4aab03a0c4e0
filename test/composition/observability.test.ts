import { observability } from '../../lambda/composition/observability';
import { captureOutput } from '../support/captured-output';

describe('observability', () => {
  it("tags the ColdStart metric with the function's name, so router and worker cold starts stay apart", () => {
    // Arrange
    const saved = { ...process.env };
    // What Lambda sets in an on-demand environment (Powertools counts cold starts only there).
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'ShadowRollout-prod-PredictionRouterHandler-abc';
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const output = captureOutput();
    try {
      // Act
      const { metrics } = observability('router');
      metrics.captureColdStartMetric();

      // Assert
      const doc = output.lines
        .filter((line) => line.includes('"ColdStart"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)[0];
      expect(doc).toMatchObject({
        function_name: 'ShadowRollout-prod-PredictionRouterHandler-abc',
        ColdStart: 1,
      });
      const emf = (doc as Record<string, unknown>)._aws as {
        CloudWatchMetrics: { Dimensions: string[][] }[];
      };
      const dimensions = emf.CloudWatchMetrics[0]?.Dimensions[0];
      expect(dimensions).toEqual(expect.arrayContaining(['service', 'function_name']));
    } finally {
      output.restore();
      process.env = saved;
    }
  });
});
