/**
 * The alarms that roll a canary back, named as the stack names them
 * (`<alarm prefix>-Canary-<suffix>-Critical`, cdk-monitoring-constructs' scheme). CDK-free, so
 * local mode's alarm simulation accepts exactly the names a deployed stage has.
 */
export const CANARY_GUARDRAIL_ALARM_SUFFIXES = {
  errorRate: 'ErrorRate',
  latencyP99: 'LatencyP99',
  conversionDrop: 'ConversionDrop',
} as const;

export function canaryGuardrailAlarmNames(alarmPrefix: string): string[] {
  return Object.values(CANARY_GUARDRAIL_ALARM_SUFFIXES).map(
    (suffix) => `${alarmPrefix}-Canary-${suffix}-Critical`,
  );
}

/**
 * The full alarm name a person meant, accepting the short forms they type (`ConversionDrop`,
 * `Canary-ConversionDrop`, `CanaryConversionDrop`, with or without the prefix and severity),
 * ignoring case and dashes; undefined when it names none of them.
 */
export function resolveCanaryGuardrailAlarm(alarmPrefix: string, typed: string): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const wanted = squash(typed);
  const prefix = squash(alarmPrefix);
  return canaryGuardrailAlarmNames(alarmPrefix).find((name) => {
    const suffix = name.slice(alarmPrefix.length + '-Canary-'.length, -'-Critical'.length);
    const forms = [suffix, `canary${suffix}`, `canary${suffix}critical`, `${suffix}critical`].map(squash);
    return forms.some((form) => wanted === form || wanted === `${prefix}${form}`);
  });
}
