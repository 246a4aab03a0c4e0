import { Match } from 'aws-cdk-lib/assertions';
import { METRICS_NAMESPACE, MetricName } from '../../lambda/core/metric-names';
import { STAGES, type StageConfig } from '../../lib/config/stage-config';
import { stages } from '../../lib/config/stages';
import { type SizedAlarm, sizeAlarms } from '../../lib/monitoring/alarm-sizing';
import {
  type AlarmDefinition,
  alarmsByName,
  type DashboardJson,
  dashboardOf,
  type GraphJson,
  graphMetrics,
  type MetricRef,
} from './support/cloudwatch';
import {
  deployableConfig,
  logicalId,
  ON_CALL_EMAIL,
  type SynthesizedStage,
  synthesizedOnce,
} from './support/synth';

/**
 * Prod with every threshold, period and count distinct from every other: an alarm that took its
 * threshold from the wrong setting would still pass with the real stages, where some coincide
 * (maxErrorRate and maxConversionDrop are both 0.01).
 */
const distinct: StageConfig = {
  ...deployableConfig('prod'),
  guardrails: {
    ...stages.prod.guardrails,
    maxP99LatencyMs: 301,
    maxLatencyIncreaseMs: 52,
    maxErrorRate: 0.011,
    minAgreement: 0.93,
    maxConversionDrop: 0.014,
    minConversionTraffic: 205,
    maxShadowBacklogAgeSeconds: 306,
  },
  alarms: {
    periodMinutes: 2,
    evaluationPeriods: 7,
    datapointsToAlarm: 4,
    productionP99LatencyMs: 408,
    maxApiServerErrorRate: 0.019,
    maxShadowDispatchFailureRate: 0.021,
    maxShadowDispatchLateRate: 0.17,
    maxFunctionErrors: 3,
    maxFunctionThrottles: 5,
    maxRuntimeConfigErrors: 6,
  },
  alarmHttpsEndpoints: ['https://events.example.com/sns'],
  endpointVariants: { 'churn-v1': ['blue', 'green'] },
};

const cases: [string, StageConfig][] = [
  ...STAGES.map((stage): [string, StageConfig] => [stage, deployableConfig(stage)]),
  ['prod with distinct thresholds', { ...distinct, stage: 'prod' }],
];

const GT = 'GreaterThanThreshold';
const LT = 'LessThanThreshold';

/** The functions every stage has, with the severity their error and throttle alarms carry. */
const FUNCTIONS = [
  ['Router', 'router', 'Critical'],
  ['ShadowWorker', 'worker', 'Warning'],
  ['ComparisonReader', 'reader', 'Warning'],
  ['OutcomeRecorder', 'outcomes', 'Critical'],
  ['RolloutReport', 'report', 'Warning'],
  ['AutomaticRollback', 'rollback', 'Critical'],
  ['RolloutController', 'rolloutController', 'Warning'],
] as const;

interface ExpectedAlarm {
  readonly name: string;
  readonly expression?: string;
  readonly metrics: readonly MetricRef[];
  readonly threshold: number;
  readonly operator: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: string;
  /** Canary guardrail: also invokes the automatic rollback. */
  readonly rollsBack: boolean;
}

/**
 * Every alarm a stage must have, derived from its config: thresholds from the config, periods and
 * minimum samples from its expected traffic (sizeAlarms, tested table-driven on its own).
 */
function expectedAlarms(config: StageConfig, s: SynthesizedStage): ExpectedAlarm[] {
  const { guardrails: g, alarms: a, stage } = config;
  const sizes = sizeAlarms(config);
  const prefix = `shadow-rollout-${stage}`;
  const period = a.periodMinutes * 60;
  const sized = (alarm: SizedAlarm) => sizes[alarm].periodMinutes * 60;
  const min = (alarm: SizedAlarm) => sizes[alarm].minSamples;
  const custom = (name: MetricName | 'ColdStart', stat: string, p = period): MetricRef => ({
    namespace: METRICS_NAMESPACE,
    name,
    stat,
    period: p,
    dimensions: { service: `shadow-rollout-${stage}` },
  });
  const aws = (
    namespace: string,
    name: string,
    stat: string,
    dimensions: Record<string, string>,
    p = period,
  ): MetricRef => ({ namespace, name, stat, period: p, dimensions });
  // Every alarm notifies; missing data never breaches (each alarm documents why in the code),
  // except the DLQ's, which keeps its state.
  const base = {
    operator: GT,
    evaluationPeriods: a.evaluationPeriods,
    datapointsToAlarm: a.datapointsToAlarm,
    treatMissingData: 'notBreaching',
    rollsBack: false,
  };
  const once = { evaluationPeriods: 1, datapointsToAlarm: 1 };
  // cdk-monitoring-constructs' minimum-sample option: IF(sampleCount > N - 1, metric).
  const atLeast = (alarm: SizedAlarm, metric: MetricRef, expression = 'metric') => ({
    expression: `IF(sampleCount > ${min(alarm) - 1}, ${expression})`,
    metrics: [metric, { ...metric, stat: 'SampleCount' }],
  });
  const n = g.minConversionTraffic;
  const conversionPeriod = sized('CanaryConversionDrop');
  const dispatch = (outcome: 'failed' | 'late', alarm: SizedAlarm) => {
    const attempts = `(FILL(${outcome}Sent, 0) + FILL(${outcome}Late, 0) + FILL(${outcome}Failed, 0))`;
    const counted = outcome === 'failed' ? `${outcome}Failed` : `${outcome}Late`;
    return {
      expression: `IF(${attempts} >= ${min(alarm)}, FILL(${counted}, 0) / ${attempts})`,
      metrics: [
        custom(MetricName.ShadowDispatched, 'Sum', sized(alarm)),
        custom(MetricName.ShadowDispatchLate, 'Sum', sized(alarm)),
        custom(MetricName.ShadowDispatchFailed, 'Sum', sized(alarm)),
      ],
    };
  };
  const endpoints = [
    { name: config.productionEndpoint, production: true },
    ...config.candidateEndpoints.map((name) => ({ name, production: false })),
  ];
  let endpointIndex = 0;
  const endpointAlarms = endpoints.flatMap(({ name, production }) =>
    (config.endpointVariants?.[name] ?? ['AllTraffic']).flatMap((variant): ExpectedAlarm[] => {
      const i = endpointIndex++;
      const severity = production ? 'Critical' : 'Warning';
      const errors: SizedAlarm = production ? 'ProductionEndpointErrorRate' : 'CandidateEndpointErrorRate';
      const latency: SizedAlarm = production ? 'ProductionEndpointLatencyP99' : 'CandidateEndpointLatencyP99';
      const dims = { EndpointName: name, VariantName: variant };
      return [
        {
          ...base,
          name: `${prefix}-Endpoint-${name}-${variant}-Invocation5XXRate-${severity}`,
          expression: `IF(invocations${i} > ${min(errors) - 1}, (FILL(errors${i}, 0) / invocations${i}))`,
          metrics: [
            aws('AWS/SageMaker', 'Invocations', 'Sum', dims, sized(errors)),
            aws('AWS/SageMaker', 'Invocation5XXErrors', 'Sum', dims, sized(errors)),
          ],
          threshold: g.maxErrorRate,
        },
        {
          ...base,
          name: `${prefix}-Endpoint-${name}-${variant}-ModelLatencyP99-${severity}`,
          ...atLeast(
            latency,
            aws('AWS/SageMaker', 'ModelLatency', 'p99', dims, sized(latency)),
            `(latency${i} / 1000)`,
          ),
          threshold: production ? a.productionP99LatencyMs : g.maxP99LatencyMs,
        },
      ];
    }),
  );

  return [
    {
      ...base,
      ...atLeast(
        'ProductionLatencyP99',
        custom(MetricName.ProductionLatency, 'p99', sized('ProductionLatencyP99')),
      ),
      name: `${prefix}-Production-LatencyP99-Critical`,
      threshold: a.productionP99LatencyMs,
    },
    {
      ...base,
      ...atLeast(
        'CandidateLatencyP99',
        custom(MetricName.CandidateLatency, 'p99', sized('CandidateLatencyP99')),
      ),
      name: `${prefix}-Candidate-LatencyP99-Warning`,
      threshold: g.maxP99LatencyMs,
    },
    {
      ...base,
      name: `${prefix}-Candidate-LatencyP99Increase-Warning`,
      expression: `IF(candidateCalls >= ${min('CandidateLatencyP99Increase')} AND productionCalls >= ${min('CandidateLatencyP99Increase')}, candidate - production)`,
      metrics: [
        custom(MetricName.CandidateLatency, 'SampleCount', sized('CandidateLatencyP99Increase')),
        custom(MetricName.ProductionLatency, 'SampleCount', sized('CandidateLatencyP99Increase')),
        custom(MetricName.CandidateLatency, 'p99', sized('CandidateLatencyP99Increase')),
        custom(MetricName.ProductionLatency, 'p99', sized('CandidateLatencyP99Increase')),
      ],
      threshold: g.maxLatencyIncreaseMs,
    },
    {
      ...base,
      ...atLeast(
        'ProductionErrorRate',
        custom(MetricName.ProductionErrors, 'Average', sized('ProductionErrorRate')),
      ),
      name: `${prefix}-Production-ErrorRate-Critical`,
      threshold: g.maxErrorRate,
    },
    {
      ...base,
      ...atLeast(
        'CandidateErrorRate',
        custom(MetricName.CandidateErrors, 'Average', sized('CandidateErrorRate')),
      ),
      name: `${prefix}-Candidate-ErrorRate-Warning`,
      threshold: g.maxErrorRate,
    },
    {
      ...base,
      ...atLeast('CanaryErrorRate', custom(MetricName.CanaryErrors, 'Average', sized('CanaryErrorRate'))),
      name: `${prefix}-Canary-ErrorRate-Critical`,
      threshold: g.maxErrorRate,
      rollsBack: true,
    },
    {
      ...base,
      ...atLeast('CanaryLatencyP99', custom(MetricName.CanaryLatency, 'p99', sized('CanaryLatencyP99'))),
      name: `${prefix}-Canary-LatencyP99-Critical`,
      threshold: g.maxP99LatencyMs,
      rollsBack: true,
    },
    {
      ...base,
      ...once,
      name: `${prefix}-Canary-ConversionDrop-Critical`,
      expression: `IF(productionOutcomes >= ${n} AND canaryOutcomes >= ${n}, productionRate - canaryRate)`,
      metrics: [
        custom(MetricName.ProductionOutcomes, 'Sum', conversionPeriod),
        custom(MetricName.CanaryOutcomes, 'Sum', conversionPeriod),
        custom(MetricName.ProductionConversions, 'Average', conversionPeriod),
        custom(MetricName.CanaryConversions, 'Average', conversionPeriod),
      ],
      threshold: g.maxConversionDrop,
      rollsBack: true,
    },
    {
      ...base,
      ...atLeast(
        'CandidateAgreementLow',
        custom(MetricName.Agreement, 'Average', sized('CandidateAgreementLow')),
      ),
      operator: LT,
      name: `${prefix}-Candidate-AgreementLow-Warning`,
      threshold: g.minAgreement,
    },
    {
      ...base,
      ...dispatch('failed', 'ShadowDispatchFailureRate'),
      name: `${prefix}-Shadow-DispatchFailureRate-Warning`,
      threshold: a.maxShadowDispatchFailureRate,
    },
    {
      ...base,
      ...dispatch('late', 'ShadowDispatchLateRate'),
      name: `${prefix}-Shadow-DispatchLateRate-Warning`,
      threshold: a.maxShadowDispatchLateRate,
    },
    {
      ...base,
      name: `${prefix}-RuntimeConfig-ReadErrors-Critical`,
      metrics: [custom(MetricName.RuntimeConfigErrors, 'Sum')],
      threshold: a.maxRuntimeConfigErrors,
    },
    {
      ...base,
      operator: 'GreaterThanOrEqualToThreshold',
      name: `${prefix}-Metrics-Heartbeat-Critical`,
      expression: 'IF(FILL(gateway, 0) > 0 AND FILL(emitted, 0) == 0, 1, 0)',
      metrics: [
        aws('AWS/ApiGateway', 'Count', 'Sum', {
          ApiName: `shadow-rollout-${stage}`,
          Method: 'POST',
          Resource: '/predict',
          Stage: stage,
        }),
        custom(MetricName.PredictRequests, 'Sum'),
      ],
      threshold: 1,
    },
    ...endpointAlarms,
    {
      ...base,
      ...atLeast(
        'ApiServerErrorRate',
        aws(
          'AWS/ApiGateway',
          '5XXError',
          'Average',
          { ApiName: `shadow-rollout-${stage}`, Stage: stage },
          sized('ApiServerErrorRate'),
        ),
      ),
      name: `${prefix}-Api-Fault-Rate-Critical`,
      threshold: a.maxApiServerErrorRate,
    },
    {
      ...base,
      name: `${prefix}-ShadowQueue-Queue-Message-Age-Max-Warning`,
      metrics: [
        aws('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', {
          QueueName: `{${logicalId(s.stack.shadowQueue.queue)}.QueueName}`,
        }),
      ],
      threshold: g.maxShadowBacklogAgeSeconds,
    },
    {
      ...base,
      ...once,
      // A DLQ that goes quiet while holding samples must stay in ALARM.
      treatMissingData: 'ignore',
      name: `${prefix}-ShadowQueue-DLQ-Queue-Message-Count-Max-Warning`,
      metrics: [
        aws('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', {
          QueueName: `{${logicalId(s.stack.shadowQueue.deadLetterQueue)}.QueueName}`,
        }),
      ],
      threshold: 0,
    },
    {
      ...base,
      name: `${prefix}-Evidence-AppendFailures-Warning`,
      metrics: [custom(MetricName.EvidenceAppendFailures, 'Sum')],
      threshold: 0,
    },
    ...(['Records', 'Outcomes'] as const).flatMap((relation): ExpectedAlarm[] => {
      const stream = relation === 'Records' ? s.stack.recordsDelivery : s.stack.outcomesDelivery;
      const dimensions = { DeliveryStreamName: `{${logicalId(stream.deliveryStream)}}` };
      return [
        {
          ...base,
          name: `${prefix}-Evidence${relation}Delivery-DataFreshness-Warning`,
          metrics: [aws('AWS/Firehose', 'DeliveryToS3.DataFreshness', 'Maximum', dimensions)],
          // The buffer interval, plus the slack a delivery retry may take.
          threshold: config.evidence.bufferingSeconds + 15 * 60,
        },
        {
          ...base,
          operator: LT,
          name: `${prefix}-Evidence${relation}Delivery-DeliverySuccess-Warning`,
          metrics: [aws('AWS/Firehose', 'DeliveryToS3.Success', 'Average', dimensions)],
          threshold: 1,
        },
      ];
    }),
    ...FUNCTIONS.flatMap(([name, property, severity]): ExpectedAlarm[] => {
      const dimensions = { FunctionName: `{${logicalId(s.stack[property].handler.function)}}` };
      return [
        {
          ...base,
          name: `${prefix}-${name}-Fault-Count-${severity}`,
          metrics: [aws('AWS/Lambda', 'Errors', 'Sum', dimensions)],
          threshold: a.maxFunctionErrors,
        },
        {
          ...base,
          name: `${prefix}-${name}-Throttled-Count-${severity}`,
          metrics: [aws('AWS/Lambda', 'Throttles', 'Sum', dimensions)],
          threshold: a.maxFunctionThrottles,
        },
      ];
    }),
  ];
}

const byKey = (m: MetricRef) => JSON.stringify([m.namespace, m.name, m.stat, m.period, m.dimensions]);

// The three stages in one app (one synth), the distinct-thresholds prod in another.
const synthOf = synthesizedOnce(() => Object.fromEntries(cases));

describe.each(cases)('alarms of %s', (label, config) => {
  const { stage } = config;
  let s: SynthesizedStage;
  let alarms: Map<string, AlarmDefinition>;
  let expected: ExpectedAlarm[];
  let topic: string;
  let rollbackArn: string;
  beforeAll(() => {
    s = synthOf(label);
    alarms = alarmsByName(s.template);
    expected = expectedAlarms(config, s);
    topic = `{${logicalId(s.stack.monitoring.alarmTopic)}}`;
    rollbackArn = `{${logicalId(s.stack.rollback.handler.function)}.Arn}`;
  });

  it('are exactly the expected ones: none missing, none unasserted', () => {
    expect([...alarms.keys()].sort()).toEqual(expected.map((e) => e.name).sort());
    const endpointVariants = [config.productionEndpoint, ...config.candidateEndpoints]
      .map((e) => config.endpointVariants?.[e]?.length ?? 1)
      .reduce((x, y) => x + y, 0);
    // 16 rollout alarms, 5 of the evidence log, per endpoint variant 2, per function 2.
    expect(alarms.size).toBe(16 + 5 + 2 * endpointVariants + 2 * FUNCTIONS.length);
  });

  it('each read the expected metric or expression, with the threshold from config, operator, periods and missing-data treatment', () => {
    for (const e of expected) {
      const actual = alarms.get(e.name);
      expect({
        name: e.name,
        expression: actual?.expression,
        metrics: actual?.metrics.map(byKey).sort(),
      }).toEqual({
        name: e.name,
        expression: e.expression,
        metrics: e.metrics.map(byKey).sort(),
      });
      expect({
        name: e.name,
        threshold: actual?.threshold,
        operator: actual?.operator,
        evaluationPeriods: actual?.evaluationPeriods,
        datapointsToAlarm: actual?.datapointsToAlarm,
        treatMissingData: actual?.treatMissingData,
      }).toEqual({
        name: e.name,
        threshold: e.threshold,
        operator: e.operator,
        evaluationPeriods: e.evaluationPeriods,
        datapointsToAlarm: e.datapointsToAlarm,
        treatMissingData: e.treatMissingData,
      });
      expect(actual?.description.length).toBeGreaterThan(30);
    }
  });

  it('each notify the alarm topic on ALARM and on OK; the canary guardrails also invoke the rollback', () => {
    for (const e of expected) {
      const actual = alarms.get(e.name);
      expect({
        name: e.name,
        alarm: [...(actual?.alarmActions ?? [])].sort(),
        ok: actual?.okActions,
      }).toEqual({
        name: e.name,
        alarm: (e.rollsBack ? [topic, rollbackArn] : [topic]).sort(),
        ok: [topic],
      });
    }
    expect(s.stack.monitoring.guardrails.canaryGuardrailAlarms.map((a) => a.alarmName).sort()).toEqual(
      expected
        .filter((e) => e.rollsBack)
        .map((e) => e.name)
        .sort(),
    );
  });

  it('roll back on conversion only when both variants reached the minimum traffic in the window', () => {
    const conversion = alarms.get(`shadow-rollout-${stage}-Canary-ConversionDrop-Critical`);
    const n = config.guardrails.minConversionTraffic;
    expect(conversion?.expression).toMatch(
      new RegExp(
        `^IF\\(productionOutcomes >= ${n} AND canaryOutcomes >= ${n}, productionRate - canaryRate\\)$`,
      ),
    );
    expect(new Set(conversion?.metrics.map((m) => m.period))).toEqual(
      new Set([sizeAlarms(config).CanaryConversionDrop.periodMinutes * 60]),
    );
  });

  describe('dashboard', () => {
    let dashboard: DashboardJson;
    let graphs: GraphJson[];
    beforeAll(() => {
      dashboard = dashboardOf(s.template, logicalId(s.stack.monitoring.dashboard));
      graphs = dashboard.widgets
        .filter((w) => w.type === 'metric')
        .map((w) => w.properties as unknown as GraphJson);
    });
    const graph = (title: string): GraphJson => {
      const found = graphs.find((g) => g.title === title);
      if (found === undefined) throw new Error(`no graph "${title}"`);
      return found;
    };
    const drawsMetric = (g: GraphJson, name: string, stat?: string) =>
      graphMetrics(g).refs.some((r) => r.name === name && (stat === undefined || r.stat === stat));

    it('is the only dashboard, named after the stage', () => {
      s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(dashboard.name).toBe(`shadow-rollout-${stage}`);
    });

    it('shows the state of every alarm at the top', () => {
      const status = dashboard.widgets.find((w) => w.type === 'alarm');
      expect(dashboard.widgets.indexOf(status as never)).toBeLessThanOrEqual(1);
      expect([...((status?.properties.alarms as string[]) ?? [])].sort()).toEqual(
        [...alarms.values()].map((a) => `{${a.logicalId}.Arn}`).sort(),
      );
    });

    it('draws every alarm as a threshold line on a graph of its metrics', () => {
      for (const alarm of alarms.values()) {
        const drawn = graphs.some((g) => {
          const { refs } = graphMetrics(g);
          const hasThreshold = (g.annotations?.horizontal ?? []).some((h) => h.value === alarm.threshold);
          const hasMetrics = alarm.metrics.every((m) =>
            refs.some(
              (r) =>
                r.namespace === m.namespace &&
                r.name === m.name &&
                JSON.stringify(r.dimensions) === JSON.stringify(m.dimensions),
            ),
          );
          return hasThreshold && hasMetrics;
        });
        expect({ alarm: alarm.name, drawn }).toEqual({ alarm: alarm.name, drawn: true });
      }
    });

    it('puts production, candidate and canary latency p50/p90/p99 side by side', () => {
      const titles = ['Production latency (served)', 'Candidate latency (shadow)', 'Canary latency (served)'];
      const widgets = titles.map((title) => dashboard.widgets.find((w) => w.properties.title === title));
      expect(new Set(widgets.map((w) => (w as unknown as { y: number }).y)).size).toBe(1);
      const metricOf = [MetricName.ProductionLatency, MetricName.CandidateLatency, MetricName.CanaryLatency];
      titles.forEach((title, i) => {
        for (const p of ['p50', 'p90', 'p99'])
          expect(drawsMetric(graph(title), metricOf[i] as string, p)).toBe(true);
      });
    });

    it('shows error rates, agreement with its noise baseline, conversion per variant and the shadow pipeline', () => {
      for (const name of [MetricName.ProductionErrors, MetricName.CandidateErrors, MetricName.CanaryErrors]) {
        expect(drawsMetric(graph('Error rates'), name, 'Average')).toBe(true);
      }
      expect(drawsMetric(graph('Agreement with production'), MetricName.Agreement)).toBe(true);
      expect(drawsMetric(graph('Agreement with production'), MetricName.NoiseBaselineAgreement)).toBe(true);
      for (const name of [MetricName.ProductionConversions, MetricName.CanaryConversions]) {
        expect(drawsMetric(graph('Conversion rate per served variant'), name, 'Average')).toBe(true);
      }
      for (const name of [
        MetricName.ProductionLabelCorrect,
        MetricName.CandidateLabelCorrect,
        MetricName.CanaryLabelCorrect,
      ]) {
        expect(drawsMetric(graph('Label accuracy per model (labelled outcomes)'), name, 'Average')).toBe(
          true,
        );
      }
      expect(
        drawsMetric(
          graph('Requests: all, canary-served, without a user id (not sticky)'),
          MetricName.UnstickyRequests,
          'Sum',
        ),
      ).toBe(true);
      const pipeline = graph('Shadow samples: sampled, dispatched, compared, dropped');
      for (const name of [
        MetricName.ShadowSampled,
        MetricName.ShadowDispatched,
        MetricName.Compared,
        MetricName.ShadowSkipped,
        MetricName.ShadowDispatchLate,
        MetricName.ShadowDispatchFailed,
        MetricName.InvalidShadowMessages,
      ]) {
        expect(drawsMetric(pipeline, name, 'Sum')).toBe(true);
      }
    });

    it('graphs the time the router stays busy after answering, when it answers first', () => {
      const afterAnswer = graphs.filter((g) =>
        graphMetrics(g).refs.some(
          (r) => r.namespace === 'AWS/Lambda' && r.name === 'PostRuntimeExtensionsDuration',
        ),
      );
      if (config.router.shadowDispatch !== 'after-response') {
        expect(afterAnswer).toEqual([]);
        return;
      }
      expect(afterAnswer).toHaveLength(1);
      const refs = graphMetrics(afterAnswer[0] as GraphJson).refs;
      expect(refs.map((r) => r.stat).sort()).toEqual(['Maximum', 'p50', 'p99']);
      expect(new Set(refs.map((r) => r.dimensions.FunctionName))).toEqual(
        new Set([`{${logicalId(s.stack.router.handler.function)}}`]),
      );
    });

    it("draws each endpoint's resource usage (CPU, memory, GPU) with production beside the candidates", () => {
      for (const name of ['CPUUtilization', 'MemoryUtilization', 'GPUUtilization', 'GPUMemoryUtilization']) {
        const drawn = graphs
          .flatMap((g) => graphMetrics(g).refs)
          .filter((r) => r.namespace === '/aws/sagemaker/Endpoints' && r.name === name)
          .map((r) => r.dimensions.EndpointName);
        expect(new Set(drawn)).toEqual(new Set([config.productionEndpoint, ...config.candidateEndpoints]));
      }
    });

    it('graphs cold starts per function (ColdStart carries the function name), and the cold-start config fallbacks', () => {
      const coldStarts = graph('Cold starts per function');
      const functionNames = graphMetrics(coldStarts)
        .refs.filter((r) => r.name === 'ColdStart')
        .map((r) => r.dimensions.function_name);
      expect(functionNames.sort()).toEqual(
        FUNCTIONS.map(([, property]) => `{${logicalId(s.stack[property].handler.function)}}`).sort(),
      );
      expect(
        drawsMetric(
          graph('Runtime config errors, cold-start fallbacks, automatic rollbacks'),
          MetricName.RuntimeConfigDeadlineFallbacks,
          'Sum',
        ),
      ).toBe(true);
    });

    it('draws no graph that can never have data (no stream iterators, no provisioned concurrency)', () => {
      const names = graphs.flatMap((g) => graphMetrics(g).refs).map((r) => r.name);
      expect(names).not.toContain('IteratorAge');
      expect(names).not.toContain('ProvisionedConcurrencySpilloverInvocations');
      const expressions = graphs.flatMap((g) => graphMetrics(g).expressions).join(' ');
      expect(expressions).not.toMatch(/Spillover/);
    });

    it('shows queue depth and age of the shadow queue and its DLQ', () => {
      const queueName = (id: string) => `{${id}.QueueName}`;
      const queue = queueName(logicalId(s.stack.shadowQueue.queue));
      const dlq = queueName(logicalId(s.stack.shadowQueue.deadLetterQueue));
      const sqs = graphs.flatMap((g) => graphMetrics(g).refs).filter((r) => r.namespace === 'AWS/SQS');
      for (const q of [queue, dlq]) {
        for (const name of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage']) {
          expect(sqs.some((r) => r.name === name && r.dimensions.QueueName === q)).toBe(true);
        }
      }
    });
  });

  describe('alarm topic', () => {
    it('is encrypted with its own rotating key, which CloudWatch alarms may use', () => {
      const keyId = logicalId(s.stack.monitoring.alarmTopic.masterKey as never);
      s.template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: `shadow-rollout-${stage}-alarms`,
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      s.template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ]),
        },
      });
      // Its own key: nothing but the topic is encrypted with it (the evidence log has another).
      const resources = s.template.toJSON().Resources as Record<string, { Type: string }>;
      const users = Object.entries(resources)
        .filter(([id, resource]) => id !== keyId && JSON.stringify(resource).includes(`"${keyId}"`))
        .map(([, resource]) => resource.Type);
      // The topic, and the policy letting the rollout controller publish to it.
      expect(users.sort()).toEqual(['AWS::IAM::Policy', 'AWS::SNS::Topic']);
    });

    it('accepts TLS only, and publications from this stage’s alarms only', () => {
      const topicRef = { Ref: logicalId(s.stack.monitoring.alarmTopic) };
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [topicRef],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topicRef,
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Join': [
                      '',
                      Match.arrayWith([Match.stringLikeRegexp(`:alarm:shadow-rollout-${stage}-\\*$`)]),
                    ],
                  },
                },
              },
            }),
          ]),
        },
      });
    });

    it('has exactly the subscribers the stage was given (prod requires one)', () => {
      const subscriptions = Object.values(s.template.findResources('AWS::SNS::Subscription')).map(
        (r) => `${r.Properties.Protocol} ${r.Properties.Endpoint}`,
      );
      expect(subscriptions.sort()).toEqual(
        [
          ...config.alarmEmails.map((e) => `email ${e}`),
          ...(config.alarmHttpsEndpoints ?? []).map((u) => `https ${u}`),
        ].sort(),
      );
      if (config.requireAlarmSubscriber) expect(subscriptions.length).toBeGreaterThan(0);
      if (stage === 'prod' && label === 'prod') expect(config.alarmEmails).toEqual([ON_CALL_EMAIL]);
    });
  });
});
