import { GraphWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { CountAxisFromZero, LambdaFunctionMonitoring, RateAxisFromZero } from 'cdk-monitoring-constructs';

/**
 * cdk-monitoring-constructs' Lambda monitoring without the provisioned-concurrency spillover
 * lines: no function of the stage has provisioned concurrency, so they could never have data.
 */
export class ServiceFunctionMonitoring extends LambdaFunctionMonitoring {
  override createRateWidget(width: number, height: number): GraphWidget {
    return new GraphWidget({
      width,
      height,
      title: 'Rates',
      left: [this.throttlesRateMetric],
      leftYAxis: RateAxisFromZero,
      leftAnnotations: this.invocationRateAnnotations,
    });
  }

  override createInvocationWidget(width: number, height: number): GraphWidget {
    return new GraphWidget({
      width,
      height,
      title: 'Invocations',
      left: [this.invocationCountMetric, this.throttlesCountMetric, this.concurrentExecutionsCountMetric],
      leftYAxis: CountAxisFromZero,
      leftAnnotations: this.invocationCountAnnotations,
    });
  }
}
