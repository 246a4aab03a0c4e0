/**
 * What per-call spans with OpenTelemetry would cost the router (issue 12, item 9): the bundle as
 * deployed against the same bundle with a tracer provider and an OTLP/HTTP exporter
 * (bench/opentelemetry/router-with-spans.ts), their sizes and their load times in fresh
 * processes (alternating, medians), and the CPU per InvokeEndpoint round trip with a span around
 * each call against none (the tracer-tax method of bench/tracer-tax.ts).
 *
 *   npm run bench:opentelemetry -- [--loads 21] [--calls 2000] [--runs 5]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ROUTER_ESM_ENTRY } from '../lib/constructs/esm-bundling';
import { bundleAsDeployed, contributors, initEnvironment } from './bundles';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const CALL_SCRIPT = `
// node -e SCRIPT <mode> <calls>: argv is [node, mode, calls].
const spans = process.argv[1] === 'spans';
const N = Number(process.argv[2]);
const http = require('node:http');
let tracer;
const sink = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end('{}'); }); });
sink.listen(0, '127.0.0.1', () => {
  if (spans) {
    const { trace } = require('@opentelemetry/api');
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
    const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: 'http://127.0.0.1:' + sink.address().port + '/v1/traces' }))] });
    provider.register();
    tracer = trace.getTracer('bench');
  }
  const { SageMakerRuntimeClient, InvokeEndpointCommand } = require('@aws-sdk/client-sagemaker-runtime');
  const model = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"label":"stay"}'); }); });
  model.listen(0, '127.0.0.1', async () => {
    const client = new SageMakerRuntimeClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:' + model.address().port, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const send = () => client.send(new InvokeEndpointCommand({ EndpointName: 'e', ContentType: 'application/json', Body: Buffer.from('{}') }));
    const call = spans ? () => tracer.startActiveSpan('SageMakerRuntime.InvokeEndpoint', (span) => send().finally(() => span.end())) : send;
    for (let i = 0; i < 300; i++) await call();
    const before = process.cpuUsage();
    for (let i = 0; i < N; i++) await call();
    const used = process.cpuUsage(before);
    process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000 / N }));
    process.exit(0);
  });
});
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      loads: { type: 'string', default: '21' },
      calls: { type: 'string', default: '2000' },
      runs: { type: 'string', default: '5' },
    },
  });
  const loads = Number(values.loads);
  const calls = Number(values.calls);
  const runs = Number(values.runs);
  const started = new Date();
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  const out = mkdtempSync(join(tmpdir(), 'shadow-rollout-otel-'));
  try {
    const plain = await bundleAsDeployed(ROUTER_ESM_ENTRY, join(out, 'plain'));
    const spans = await bundleAsDeployed(
      join(__dirname, 'opentelemetry', 'router-with-spans.ts'),
      join(out, 'spans'),
    );
    const loadTimes = { plain: [] as number[], spans: [] as number[] };
    for (let i = 0; i < loads; i++) {
      const order = i % 2 === 0 ? (['plain', 'spans'] as const) : (['spans', 'plain'] as const);
      for (const which of order) {
        const file = (which === 'plain' ? plain : spans).outfile;
        const script = `const s = process.hrtime.bigint(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(Number(process.hrtime.bigint() - s) / 1e6));`;
        const { stdout } = await run(
          process.execPath,
          ['--enable-source-maps', '--input-type=module', '-e', script],
          {
            env: { ...initEnvironment(), NODE_NO_WARNINGS: '1' },
            timeout: 30_000,
          },
        );
        loadTimes[which].push(Number(stdout));
      }
    }
    const cpu = { plain: [] as number[], spans: [] as number[] };
    for (let i = 0; i < runs; i++) {
      for (const which of i % 2 === 0 ? (['plain', 'spans'] as const) : (['spans', 'plain'] as const)) {
        const { stdout } = await run(process.execPath, ['-e', CALL_SCRIPT, which, String(calls)], {
          cwd: ROOT,
          env: { ...process.env, NODE_NO_WARNINGS: '1' },
          timeout: 120_000,
        });
        cpu[which].push((JSON.parse(stdout) as { cpuMs: number }).cpuMs);
      }
    }
    const size = (b: typeof plain) => {
      const code = readFileSync(b.outfile);
      const otel = contributors(b.metafile, b.outfile)
        .filter((c) => c.name.startsWith('@opentelemetry'))
        .reduce((sum, c) => sum + c.bytes, 0);
      return { bytes: code.length, gzip: gzipSync(code).length, otel };
    };
    const [p, s] = [size(plain), size(spans)];
    const [lp, ls] = [median(loadTimes.plain), median(loadTimes.spans)];
    const [cp, cs] = [median(cpu.plain), median(cpu.spans)];
    console.log(
      `Machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, Node ${process.version}; ${started.toISOString()}; load average ${load}`,
    );
    console.log(`Command: npm run bench:opentelemetry -- --loads ${loads} --calls ${calls} --runs ${runs}\n`);
    console.log(
      '| router bundle | minified | gzip | of it @opentelemetry | load ms (median, source maps on) | CPU ms per InvokeEndpoint round trip (median) |',
    );
    console.log('| :--- | ---: | ---: | ---: | ---: | ---: |');
    console.log(
      `| as deployed | ${kib(p.bytes)} | ${kib(p.gzip)} | – | ${lp.toFixed(1)} | ${cp.toFixed(3)} |`,
    );
    console.log(
      `| with OpenTelemetry spans | ${kib(s.bytes)} | ${kib(s.gzip)} | ${kib(s.otel)} | ${ls.toFixed(1)} | ${cs.toFixed(3)} |`,
    );
    console.log(
      `| ratio | ${(s.bytes / p.bytes).toFixed(2)} | ${(s.gzip / p.gzip).toFixed(2)} | | ${(ls / lp).toFixed(2)} | ${(cs / cp).toFixed(2)} |`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
