#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildShadowRolloutApp } from '../lib/shadow-rollout-app';

// `npx cdk synth|deploy -c stage=dev|staging|prod`: one stack per stage, never a default stage.
const app = new App();
buildShadowRolloutApp(app);
