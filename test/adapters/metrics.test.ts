import { Metrics } from '@aws-lambda-powertools/metrics';
import { powertoolsMetrics } from '../../lambda/adapters/metrics';

describe('powertoolsMetrics', () => {
  it('writes counts, milliseconds and ratios with their CloudWatch units', () => {
    // Arrange
    const metrics = new Metrics({ namespace: 'shadow-rollout', serviceName: 'test' });
    const port = powertoolsMetrics(metrics);
    // Act
    port.count('ShadowSampled');
    port.count('ShadowDispatchFailed', 3);
    port.milliseconds('ProductionLatency', 12.5);
    port.ratio('Agreement', 1);
    const emf = metrics.serializeMetrics();
    // Assert
    const units = Object.fromEntries(
      (emf._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, m.Unit]),
    );
    expect(units).toEqual({
      ShadowSampled: 'Count',
      ShadowDispatchFailed: 'Count',
      ProductionLatency: 'Milliseconds',
      Agreement: 'None',
    });
    expect(emf).toMatchObject({
      ShadowSampled: 1,
      ShadowDispatchFailed: 3,
      ProductionLatency: 12.5,
      Agreement: 1,
    });
  });
});
