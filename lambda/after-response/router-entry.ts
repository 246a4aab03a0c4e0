/**
 * The router as deployed: an ES module, so that init can await the registration of the
 * after-response extension. Lambda accepts internal extensions only during init, before the
 * runtime asks for its first event, and the Node.js runtime waits for a module's top-level
 * await before doing so. Tests and local mode import lambda/handlers/router.ts directly.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { shadowDispatch } from '../configuration/function-settings';
import { readSetting } from '../configuration/setting';
import { startAfterResponseExtension } from './lambda-extension';
import { afterResponse } from './registry';

export { handler } from '../handlers/router';

if (readSetting(shadowDispatch, process.env) === 'after-response') {
  const logger = new Logger({ persistentKeys: { component: 'router-extension' } });
  await startAfterResponseExtension(afterResponse, process.env.AWS_LAMBDA_RUNTIME_API, {
    unavailable: (reason) =>
      logger.warn('after-response extension unavailable; shadow samples are sent before answering', {
        reason,
      }),
    gaveUp: (pending) =>
      logger.warn('deferred shadow sends still pending at the invocation deadline', { pending }),
    failed: (reason) =>
      logger.error('after-response extension failed; the environment will be reset', { reason }),
  });
}
