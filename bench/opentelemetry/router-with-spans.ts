/**
 * The router as deployed plus what per-call spans with OpenTelemetry would add to it: a tracer
 * provider exporting OTLP over HTTP (to a collector such as the ADOT collector extension on
 * localhost:4318), registered at init. Bundled only by bench/opentelemetry-cost.ts, to measure
 * the price before any stage could switch it on (issue 12, item 9).
 */
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'shadow-rollout-router' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: 'http://localhost:4318/v1/traces' }))],
});
provider.register();
// What an SDK middleware would do per call, once at init so the span code is loaded and run.
trace.getTracer('shadow-rollout').startSpan('init').end();

export * from '../../lambda/after-response/router-entry';
