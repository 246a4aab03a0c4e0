export interface AlarmNotice {
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly at: string;
}

type Fields = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null;
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/**
 * Reads an alarm state change from the shapes it arrives in: a CloudWatch alarm's direct Lambda
 * action event, or an SNS notification wrapping the alarm message. Anything else is undefined.
 */
export function alarmFromEvent(event: unknown): AlarmNotice | undefined {
  if (!isObject(event)) return undefined;
  const now = new Date().toISOString();
  if (event.source === 'aws.cloudwatch' && isObject(event.alarmData)) {
    const state = isObject(event.alarmData.state) ? event.alarmData.state : {};
    return {
      name: text(event.alarmData.alarmName, 'unknown'),
      state: text(state.value, ''),
      reason: text(state.reason, ''),
      at: text(state.timestamp, text(event.time, now)),
    };
  }
  const records = Array.isArray(event.Records) ? (event.Records as unknown[]) : [];
  const sns = records.filter(isObject).find((r) => r.EventSource === 'aws:sns')?.Sns;
  if (!isObject(sns) || typeof sns.Message !== 'string') return undefined;
  let message: unknown;
  try {
    message = JSON.parse(sns.Message);
  } catch {
    return undefined;
  }
  if (!isObject(message)) return undefined;
  return {
    name: text(message.AlarmName, 'unknown'),
    state: text(message.NewStateValue, ''),
    reason: text(message.NewStateReason, ''),
    at: text(message.StateChangeTime, text(sns.Timestamp, now)),
  };
}
