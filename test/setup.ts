import 'aws-sdk-client-mock-jest';
import fc from 'fast-check';

// Property tests run from a fixed seed so a run is reproducible; FC_SEED explores other seeds.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });

// No test may reach AWS: fake credentials, no instance metadata, and every SDK endpoint pointed
// at a closed local port unless a test points a service at an emulator on purpose.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:9';
