/**
 * A stats replica in a process of its own, for a test to kill (test/replicas.test.ts). It starts
 * the training job in TRAIN_BODY on DATABASE_URL, prints `{"status", "jobId"}` on a line, and runs
 * the job until it ends or the process is killed; it exits when its parent closes its stdin.
 */
import { startStats } from './service.js';

process.stdin.on('close', () => process.exit(0)).resume();
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');
// The test owns the database: this replica only uses it.
const stats = await startStats(
  'postgresql',
  { ...(process.env as Record<string, string>), LOG_LEVEL: 'silent' },
  { name: 'postgresql', url, drop: async () => {} },
);
const accepted = await stats.request('POST', '/stats/runs', {
  as: 'operator',
  body: JSON.parse(process.env.TRAIN_BODY ?? '{}') as Record<string, unknown>,
});
process.stdout.write(`${JSON.stringify({ status: accepted.status, jobId: accepted.body.jobId })}\n`);
