import { firehoseClient } from '../adapters/clients';
import { JsonLinesEvidenceLog } from '../adapters/evidence-log-files';
import { FirehoseEvidenceLog } from '../adapters/evidence-log-firehose';
import { retryingEvidenceLog } from '../adapters/evidence-log-retry';
import * as Setting from '../configuration/function-settings';
import { type Env, MissingEnvironmentError, readSetting } from '../configuration/setting';
import { MetricName } from '../core/metric-names';
import type { EvidenceLine, EvidenceLog } from '../use-cases/ports/evidence';
import type { MetricsPort } from '../use-cases/ports/metrics';

/** Where the evidence log is: files (local mode, tests) or a Firehose delivery stream (AWS). */
export type EvidenceLogSettings =
  | { readonly kind: 'files'; readonly dir: string }
  | { readonly kind: 'stream'; readonly streamName: string };

export function evidenceLogSettings(env: Env): EvidenceLogSettings {
  const dir = readSetting(Setting.evidenceLogDir, env);
  if (dir !== undefined) return { kind: 'files', dir };
  const streamName = readSetting(Setting.evidenceStreamName, env);
  if (streamName !== undefined) return { kind: 'stream', streamName };
  throw new MissingEnvironmentError(
    `${Setting.evidenceStreamName.env} or ${Setting.evidenceLogDir.env} environment variable is not set`,
  );
}

/**
 * The evidence log a function appends to, retrying a failed append a few times (counted). On
 * AWS each function's stream takes one kind of line (the worker's records, the outcomes
 * function's posts), since the stream's prefix decides the relation.
 */
export function evidenceLog(
  settings: EvidenceLogSettings,
  metrics: MetricsPort,
  kind: EvidenceLine['kind'],
): EvidenceLog {
  const onRetry = () => metrics.count(MetricName.EvidenceAppendRetries);
  switch (settings.kind) {
    case 'files':
      return retryingEvidenceLog(new JsonLinesEvidenceLog(settings.dir), { onRetry });
    case 'stream':
      // PutRecordBatch is not atomic: the adapter retries its own failed records.
      return new FirehoseEvidenceLog(firehoseClient(), {
        streamName: settings.streamName,
        kind,
        onRetry,
      });
  }
}
