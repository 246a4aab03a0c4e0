#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a dependency of the project), so there is no build step.
// The project's TypeScript is CommonJS, so it is loaded through tsx's require hook.
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';

// The SDK's notice that its 2027 releases need Node 22 is in the README; not on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
createRequire(import.meta.url)('./main.ts');
