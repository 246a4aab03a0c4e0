import { CfnGuardValidator, type CfnGuardValidatorProps } from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
} from 'aws-cdk-lib';
import { CONTROL_TOWER_PLUGIN } from './acknowledge';

/**
 * AWS Control Tower's proactive controls (cfn-guard rules bundled with
 * @cdklabs/cdk-validator-cfnguard, run offline) as a synth-time policy check.
 *
 * The validator reports violations without a severity. aws-cdk-lib 2.276, once any finding of a
 * plugin is acknowledged, re-derives the plugin's success from the severities of the findings
 * left, so every other finding would pass silently. Marking each one an error keeps an
 * unacknowledged finding fatal (a test adds a non-compliant resource to prove it).
 */
export class ControlTowerChecks implements IPolicyValidationPluginBeta1 {
  readonly name = CONTROL_TOWER_PLUGIN;
  readonly version?: string;
  readonly ruleIds?: string[];
  private readonly validator: CfnGuardValidator;

  constructor(props: CfnGuardValidatorProps = {}) {
    this.validator = new CfnGuardValidator(props);
    this.version = this.validator.version;
    this.ruleIds = this.validator.ruleIds;
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.validator.validate(context);
    return {
      ...report,
      success: report.violations.length === 0,
      violations: report.violations.map((violation) => ({ ...violation, severity: 'error' })),
    };
  }
}
