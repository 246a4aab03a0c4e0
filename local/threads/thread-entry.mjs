// Entry of every local-mode service thread. Node's loader hooks are per thread and `--import tsx`
// does not reach worker threads, so each thread registers tsx itself before loading TypeScript.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.host);
