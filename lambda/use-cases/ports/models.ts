import type { BodyEncoding, ModelResult } from '../../core/model-result';

export interface ModelRequest {
  readonly contentType: string;
  readonly accept?: string | undefined;
  readonly body: string;
  readonly encoding: BodyEncoding;
}

/**
 * Calls one endpoint and always resolves: a failure is a result with `status: 'error'`, an input
 * the model refused as the caller's mistake one with `status: 'client_error'`.
 */
export type InvokeModel = (endpoint: string, request: ModelRequest) => Promise<ModelResult>;
