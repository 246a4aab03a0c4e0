import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmDocs } from '../lib/monitoring/alarm-docs';

// Writes docs/alarms.md from the stage configs (test/infra/alarm-sizing.test.ts checks it is current).
writeFileSync(join(__dirname, '..', 'docs', 'alarms.md'), alarmDocs());
