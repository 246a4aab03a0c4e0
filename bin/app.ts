#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { USER_ERROR_EXIT_CODE, UserError } from '../lambda/core/errors';
import { buildShadowRolloutApp } from '../lib/shadow-rollout-app';

// `npx cdk synth|deploy -c stage=dev|staging|prod`: one stack per stage, never a default stage.
// A mistake in the command or the stage config is its message alone, not a stack trace.
try {
  const app = new App();
  buildShadowRolloutApp(app);
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  process.stderr.write(`Error: ${error.message}\n`);
  process.exit(USER_ERROR_EXIT_CODE);
}
