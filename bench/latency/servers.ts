/**
 * The systems the router talks to, run in a child process of the benchmark so that their CPU
 * work (model server, SQS emulator, delay proxy) does not share the measured event loop: in AWS
 * they are other machines. Talks to the parent over the fork IPC channel.
 */
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqs } from '../../local/emulators/sqs';
import { LOCAL_CREDENTIALS } from '../../local/local-aws';
import type { EndpointBehaviour } from '../../local/model-server/models-file';
import { SAGEMAKER_CONTAINER_TIMEOUT_MS } from '../../local/model-server/models-file';
import { startModelServer } from '../../local/model-server/server';
import { startDelayProxy } from './delay-proxy';
import { CANDIDATE_ENDPOINT, PRODUCTION_ENDPOINT, REGION } from './endpoints';

export interface ServersConfig {
  readonly productionLatencyMs: number;
  readonly candidateLatencyMs: number;
  readonly queueDelayMs: number;
  /** Queues to create, one per dispatching variant, so each variant's deliveries can be counted. */
  readonly queueNames: readonly string[];
}

export interface ServersReady {
  readonly type: 'ready';
  readonly modelUrl: string;
  /** Origin of the SQS emulator (its queue URLs' own host). */
  readonly sqsOrigin: string;
  /** Origin of the delaying proxy in front of the emulator. */
  readonly delayedSqsOrigin: string;
  /** Queue name → URL on the emulator. */
  readonly queueUrls: Readonly<Record<string, string>>;
}

export type ServersRequest =
  | { readonly type: 'depth'; readonly queue: string }
  | { readonly type: 'proxy-stats' };
export type ServersReply =
  | ServersReady
  | { readonly type: 'depth'; readonly queue: string; readonly depth: number }
  | { readonly type: 'proxy-stats'; readonly connections: number; readonly forwardedAfterCallerLeft: number };

function endpoint(model: string, latencyMs: number): EndpointBehaviour {
  return {
    model,
    variant: 'AllTraffic',
    latencyMs,
    jitterMs: 0,
    errorRate: 0,
    errorType: 'ModelError',
    throttleRate: 0,
    containerTimeoutMs: SAGEMAKER_CONTAINER_TIMEOUT_MS,
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ServersConfig;
  const send = (message: ServersReply) => process.send?.(message);

  const models = await startModelServer({
    endpoints: {
      [PRODUCTION_ENDPOINT]: endpoint('churn-v1', config.productionLatencyMs),
      [CANDIDATE_ENDPOINT]: endpoint('churn-v2', config.candidateLatencyMs),
    },
  });
  const [first = 'bench-shadow', ...others] = config.queueNames;
  const sqs = await startSqs({
    region: REGION,
    queueName: first,
    deadLetterQueueName: `${first}-dlq`,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
  });
  const client = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
  const queueUrls: Record<string, string> = { [first]: sqs.queue.url };
  for (const name of others) {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`queue ${name} was not created`);
    queueUrls[name] = QueueUrl;
  }
  client.destroy();

  const delayed = await startDelayProxy({ delayMs: config.queueDelayMs, upstreamOrigin: sqs.endpoint });

  process.on('message', (raw: ServersRequest) => {
    if (raw.type === 'depth') send({ type: 'depth', queue: raw.queue, depth: sqs.depth(raw.queue) });
    else if (raw.type === 'proxy-stats')
      send({
        type: 'proxy-stats',
        connections: delayed.connections(),
        forwardedAfterCallerLeft: delayed.forwardedAfterCallerLeft(),
      });
  });
  const stop = async () => {
    await Promise.allSettled([models.close(), delayed.close(), sqs.stop()]);
    process.exit(0);
  };
  // The parent going away (normally or not) ends this process too.
  process.on('disconnect', () => void stop());
  send({
    type: 'ready',
    modelUrl: models.url,
    sqsOrigin: sqs.endpoint,
    delayedSqsOrigin: delayed.origin,
    queueUrls,
  });
}

// Only as the child's entry point; the parent imports the message types.
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
