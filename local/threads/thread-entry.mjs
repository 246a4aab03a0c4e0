// Entry of every local-mode service thread. Loader hooks are per thread and what the starting
// thread registered (`node --import tsx`, jest's transform) does not reach this one, so it
// registers tsx itself, for both module systems, before loading TypeScript.
import { workerData } from 'node:worker_threads';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCommonJs();
registerEsm();
await import(workerData.host);
