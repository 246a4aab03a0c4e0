import type { Template } from 'aws-cdk-lib/assertions';
import { render } from './synth';

/** One metric an alarm or a graph reads, with CloudFormation values rendered (`{Ref}`, `{Id.Attr}`). */
export interface MetricRef {
  readonly namespace: string;
  readonly name: string;
  readonly stat: string;
  readonly period: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface AlarmDefinition {
  readonly logicalId: string;
  readonly name: string;
  /** The expression the alarm evaluates, when it is metric math. */
  readonly expression?: string;
  /** Every metric the alarm reads (the one metric, or the expression's inputs). */
  readonly metrics: readonly MetricRef[];
  readonly threshold: number;
  readonly operator: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: string;
  readonly evaluateLowSampleCountPercentile?: string;
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
  readonly description: string;
}

interface MetricStatJson {
  readonly Metric: {
    readonly Namespace: string;
    readonly MetricName: string;
    readonly Dimensions?: readonly { Name: string; Value: unknown }[];
  };
  readonly Period: number;
  readonly Stat: string;
}

interface MetricDataQueryJson {
  readonly Id: string;
  readonly Expression?: string;
  readonly MetricStat?: MetricStatJson;
  readonly ReturnData?: boolean;
}

const dimensionsOf = (dims: readonly { Name: string; Value: unknown }[] = []) =>
  Object.fromEntries(dims.map((d) => [d.Name, render(d.Value)]));

/** Every alarm in the template, by alarm name, in one shape whether it is one metric or metric math. */
export function alarmsByName(template: Template): Map<string, AlarmDefinition> {
  const alarms = new Map<string, AlarmDefinition>();
  for (const [logicalId, resource] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
    const p = resource.Properties as Record<string, unknown>;
    const queries = (p.Metrics ?? []) as MetricDataQueryJson[];
    const metrics: MetricRef[] =
      queries.length > 0
        ? queries.flatMap((q) =>
            q.MetricStat === undefined
              ? []
              : [
                  {
                    namespace: q.MetricStat.Metric.Namespace,
                    name: q.MetricStat.Metric.MetricName,
                    stat: q.MetricStat.Stat,
                    period: q.MetricStat.Period,
                    dimensions: dimensionsOf(q.MetricStat.Metric.Dimensions),
                  },
                ],
          )
        : [
            {
              namespace: String(p.Namespace),
              name: String(p.MetricName),
              stat: String(p.ExtendedStatistic ?? p.Statistic),
              period: Number(p.Period),
              dimensions: dimensionsOf(p.Dimensions as { Name: string; Value: unknown }[]),
            },
          ];
    const returned = queries.filter((q) => q.ReturnData !== false);
    if (queries.length > 0 && returned.length !== 1)
      throw new Error(`${logicalId} returns ${returned.length} series`);
    const name = String(p.AlarmName);
    alarms.set(name, {
      logicalId,
      name,
      expression: returned[0]?.Expression,
      metrics,
      threshold: Number(p.Threshold),
      operator: String(p.ComparisonOperator),
      evaluationPeriods: Number(p.EvaluationPeriods),
      datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods),
      treatMissingData: String(p.TreatMissingData ?? 'missing'),
      evaluateLowSampleCountPercentile: p.EvaluateLowSampleCountPercentile as string | undefined,
      alarmActions: ((p.AlarmActions ?? []) as unknown[]).map(render),
      okActions: ((p.OKActions ?? []) as unknown[]).map(render),
      description: String(p.AlarmDescription ?? ''),
    });
  }
  return alarms;
}

export interface GraphJson {
  readonly title?: string;
  /** Dashboard metric arrays: `[namespace, name, dimName, dimValue, …, options?]` or `[{ expression, … }]`. */
  readonly metrics: readonly (readonly unknown[])[];
  readonly annotations?: { readonly horizontal?: readonly { value: number; label?: string }[] };
}

export interface DashboardJson {
  readonly name: string;
  readonly widgets: readonly { type: string; properties: Record<string, unknown> }[];
}

/**
 * The dashboard's body as JSON, CloudFormation values rendered in place. Every token in a
 * dashboard body sits inside a JSON string, so the rendered text stays valid JSON.
 */
export function dashboardOf(template: Template, logicalId: string): DashboardJson {
  const resource = template.toJSON().Resources[logicalId] as {
    Properties: { DashboardName: unknown; DashboardBody: unknown };
  };
  const body = resource.Properties.DashboardBody as { 'Fn::Join'?: [string, unknown[]] } | string;
  const text =
    typeof body === 'string'
      ? body
      : (body['Fn::Join']?.[1] ?? [])
          .map((part) => (typeof part === 'string' ? part : render(part)))
          .join('');
  const parsed = JSON.parse(text) as { widgets: DashboardJson['widgets'] };
  return { name: render(resource.Properties.DashboardName), widgets: parsed.widgets };
}

/** Metric refs a graph draws (visible or used by an expression), from its metric arrays. */
export function graphMetrics(graph: GraphJson): { refs: MetricRef[]; expressions: string[] } {
  const refs: MetricRef[] = [];
  const expressions: string[] = [];
  for (const entry of graph.metrics) {
    const last = entry[entry.length - 1];
    const options = (typeof last === 'object' && last !== null ? last : {}) as Record<string, unknown>;
    if (typeof options.expression === 'string') {
      expressions.push(options.expression);
      continue;
    }
    const parts = entry.filter((e) => typeof e === 'string') as string[];
    const [namespace = '', name = '', ...dims] = parts;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i] as string] = dims[i + 1] as string;
    refs.push({
      namespace,
      name,
      stat: String(options.stat ?? 'Average'),
      period: Number(options.period ?? 300),
      dimensions,
    });
  }
  return { refs, expressions };
}
