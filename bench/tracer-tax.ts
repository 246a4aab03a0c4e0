/**
 * What loading Powertools' Tracer costs every request of the process, tracing on or off: it
 * loads aws-xray-sdk-core, whose cls-hooked context enables async_hooks (with a destroy hook)
 * for the whole process, so every promise and socket pays a callback. Measured as CPU per
 * InvokeEndpoint round trip against a local HTTP server, in fresh processes with and without
 * the Tracer constructed, alternating so drift hits both alike.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ms, table } from './markdown';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');

const SCRIPT = `
// node -e SCRIPT <mode> <calls>: argv is [node, mode, calls].
const withTracer = process.argv[1] === 'tracer';
const N = Number(process.argv[2]);
if (withTracer) { const { Tracer } = require('@aws-lambda-powertools/tracer'); new Tracer(); }
const http = require('node:http');
const { SageMakerRuntimeClient, InvokeEndpointCommand } = require('@aws-sdk/client-sagemaker-runtime');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"label":"stay"}'); });
});
server.listen(0, '127.0.0.1', async () => {
  const client = new SageMakerRuntimeClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:' + server.address().port,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const call = () => client.send(new InvokeEndpointCommand({ EndpointName: 'e', ContentType: 'application/json', Body: Buffer.from('{}') }));
  for (let i = 0; i < 300; i++) await call();
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) await call();
  const used = process.cpuUsage(before);
  process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000 / N }));
  client.destroy();
  server.close();
});
`;

export interface TracerTax {
  readonly requests: number;
  readonly runs: number;
  readonly withoutTracerCpuMs: number;
  readonly withTracerCpuMs: number;
}

export async function measureTracerTax(options: { runs: number; requests: number }): Promise<TracerTax> {
  const once = async (mode: 'plain' | 'tracer') => {
    const { stdout } = await run(process.execPath, ['-e', SCRIPT, mode, String(options.requests)], {
      cwd: ROOT,
      env: { ...process.env, POWERTOOLS_TRACE_ENABLED: 'false', NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });
    return (JSON.parse(stdout) as { cpuMs: number }).cpuMs;
  };
  const plain: number[] = [];
  const traced: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    plain.push(await once('plain'));
    traced.push(await once('tracer'));
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return {
    requests: options.requests,
    runs: options.runs,
    withoutTracerCpuMs: median(plain),
    withTracerCpuMs: median(traced),
  };
}

export function renderTracerTax(tax: TracerTax): string {
  return [
    `CPU per InvokeEndpoint round trip (SDK client and a local HTTP server in one process, ${tax.requests} calls, median of ${tax.runs} fresh processes each), with and without Powertools' Tracer constructed (POWERTOOLS_TRACE_ENABLED=false):\n`,
    table(
      ['process', 'CPU ms per call'],
      [
        ['without the Tracer', ms(tax.withoutTracerCpuMs, 3)],
        ['with the Tracer (aws-xray-sdk-core → cls-hooked async hooks)', ms(tax.withTracerCpuMs, 3)],
        [
          'difference',
          `+${ms(tax.withTracerCpuMs - tax.withoutTracerCpuMs, 3)} (${((tax.withTracerCpuMs / tax.withoutTracerCpuMs - 1) * 100).toFixed(0)}%)`,
        ],
      ],
    ),
    '',
  ].join('\n');
}
