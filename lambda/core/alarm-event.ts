export interface AlarmNotice {
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly at: string;
}

/**
 * Reads an alarm state change from the shapes it arrives in: a CloudWatch alarm's direct Lambda
 * action event, or an SNS notification wrapping the alarm message. Anything else is undefined.
 */
export function alarmFromEvent(event: unknown): AlarmNotice | undefined {
  const e = event as Record<string, any> | null;
  if (e === null || typeof e !== 'object') return undefined;
  if (e.source === 'aws.cloudwatch' && e.alarmData) {
    return {
      name: String(e.alarmData.alarmName ?? 'unknown'),
      state: String(e.alarmData.state?.value ?? ''),
      reason: String(e.alarmData.state?.reason ?? ''),
      at: String(e.alarmData.state?.timestamp ?? e.time ?? new Date().toISOString()),
    };
  }
  const sns = Array.isArray(e.Records)
    ? e.Records.find((r: any) => r?.EventSource === 'aws:sns')?.Sns
    : undefined;
  if (sns && typeof sns.Message === 'string') {
    try {
      const m = JSON.parse(sns.Message);
      return {
        name: String(m.AlarmName ?? 'unknown'),
        state: String(m.NewStateValue ?? ''),
        reason: String(m.NewStateReason ?? ''),
        at: String(m.StateChangeTime ?? sns.Timestamp ?? new Date().toISOString()),
      };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
