// Minimal stand-in for the Node.js managed runtime's loop, for tests that run a real bundle against
// the fake Runtime API (fake-lambda-api.ts).
//
//   AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT node runtime-loop.mjs /abs/path/bundle.mjs [exportName=handler]
//
// Like Lambda, the bundle is imported (top-level await included) before the first /next, so internal
// extensions can register during init; the response is posted as soon as the handler's promise settles,
// and the next /next is plain async I/O, so work the handler left running keeps going meanwhile.
import http from 'node:http';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleArg, exportName = 'handler'] = process.argv.slice(2);
const api = process.env.AWS_LAMBDA_RUNTIME_API;
if (bundleArg === undefined || api === undefined || api === '') {
  process.stderr.write(
    'usage: AWS_LAMBDA_RUNTIME_API=host:port node runtime-loop.mjs bundle.mjs [exportName]\n',
  );
  process.exit(2);
}

const separator = api.lastIndexOf(':');
const host = api.slice(0, separator);
const port = Number(api.slice(separator + 1));
const agent = new http.Agent({ keepAlive: true });

/** One Runtime API call: resolves with status, headers and body text. */
function call(method, path, body, headers = {}) {
  return new Promise((done, reject) => {
    const req = http.request(
      {
        host,
        port,
        method,
        path: `/2018-06-01/runtime${path}`,
        agent,
        headers:
          body === undefined
            ? headers
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The managed runtime's error shape. */
function toRuntimeError(err, errorType) {
  if (err instanceof Error) {
    return {
      errorType: errorType ?? err.name,
      errorMessage: err.message,
      trace: String(err.stack ?? '').split('\n'),
    };
  }
  return { errorType: errorType ?? typeof err, errorMessage: String(err), trace: [] };
}

function lostApi(err) {
  // The test closed the fake (or it refused /next): nothing is left to serve.
  process.stderr.write(
    `runtime-loop: Runtime API unreachable (${err instanceof Error ? err.message : err})\n`,
  );
  process.exit(1);
}

let inFlight;

function postInitError(error) {
  return call('POST', '/init/error', JSON.stringify(error), {
    'Lambda-Runtime-Function-Error-Type': error.errorType,
  });
}

function postError(requestId, error) {
  const body = JSON.stringify(error);
  return call('POST', `/invocation/${encodeURIComponent(requestId)}/error`, body, {
    'Lambda-Runtime-Function-Error-Type': error.errorType,
  });
}

// Crashes outside the handler's promise end the environment, as in the managed runtime: report them
// as an init error during init, else against the invocation in flight (if any), then exit.
let initialized = false;
for (const signal of ['uncaughtException', 'unhandledRejection']) {
  process.on(signal, (reason) => {
    process.stderr.write(
      `runtime-loop: ${signal}: ${reason instanceof Error ? reason.stack : String(reason)}\n`,
    );
    const error = toRuntimeError(
      reason,
      signal === 'unhandledRejection' ? 'Runtime.UnhandledPromiseRejection' : undefined,
    );
    const report = !initialized
      ? postInitError(error)
      : inFlight !== undefined
        ? postError(inFlight, error)
        : Promise.resolve();
    report.catch(() => {}).finally(() => process.exit(129));
  });
}

let handler;
try {
  const bundlePath = resolve(bundleArg);
  const mod = await import(pathToFileURL(bundlePath).href);
  handler = mod[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${basename(bundlePath)}.${exportName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
} catch (err) {
  const errorType =
    err?.code === 'ERR_MODULE_NOT_FOUND'
      ? 'Runtime.ImportModuleError'
      : err instanceof SyntaxError
        ? 'Runtime.UserCodeSyntaxError'
        : undefined;
  await postInitError(toRuntimeError(err, errorType)).catch(() => {});
  process.exit(1);
}
initialized = true;

const env = process.env;

for (;;) {
  const next = await call('GET', '/invocation/next').catch(lostApi);
  if (next.status !== 200) lostApi(new Error(`next answered ${next.status}`));
  const h = next.headers;
  const requestId = String(h['lambda-runtime-aws-request-id']);
  const deadlineMs = Number(h['lambda-runtime-deadline-ms']);
  const invokedFunctionArn = String(h['lambda-runtime-invoked-function-arn'] ?? '');
  const traceId = h['lambda-runtime-trace-id'];
  if (typeof traceId === 'string') env._X_AMZN_TRACE_ID = traceId;
  else delete env._X_AMZN_TRACE_ID;

  const functionName = env.AWS_LAMBDA_FUNCTION_NAME ?? invokedFunctionArn.split(':')[6] ?? 'function';
  const clientContext = h['lambda-runtime-client-context'];
  const identity = h['lambda-runtime-cognito-identity'];
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? '2000/01/01/[$LATEST]00000000000000000000000000000000',
    clientContext: typeof clientContext === 'string' ? JSON.parse(clientContext) : undefined,
    identity: typeof identity === 'string' ? JSON.parse(identity) : undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };

  inFlight = requestId;
  let answer;
  try {
    const event = next.body === '' ? undefined : JSON.parse(next.body);
    const result = await handler(event, context);
    answer = { kind: 'response', body: JSON.stringify(result) ?? 'null' };
  } catch (err) {
    answer = { kind: 'error', error: toRuntimeError(err) };
  }
  inFlight = undefined;
  const posted =
    answer.kind === 'response'
      ? call('POST', `/invocation/${encodeURIComponent(requestId)}/response`, answer.body)
      : postError(requestId, answer.error);
  await posted.catch(lostApi);
}
