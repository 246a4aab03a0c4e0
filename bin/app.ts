#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { StageConfigError } from '../lib/config/stages';
import { buildShadowRolloutApp } from '../lib/shadow-rollout-app';

// `npx cdk synth|deploy -c stage=dev|staging|prod`: one stack per stage, never a default stage.
// A config mistake is reported as its cause and remedy (every problem listed), not a stack trace.
const app = new App();
try {
  buildShadowRolloutApp(app);
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
