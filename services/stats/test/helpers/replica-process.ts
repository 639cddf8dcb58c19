/**
 * A stats replica in a process of its own, for a test to kill (test/replicas.test.ts). It starts
 * the training job in TRAIN_BODY on DATABASE_URL, prints `{"status", "jobId"}` on a line, and runs
 * the job until it ends or the process is killed; it exits when its parent closes its stdin.
 */
import { testTokens } from '@flotilla/kit/testing';
import { buildApp } from '../../src/app.js';
import { loadStatsConfig } from '../../src/config.js';

process.stdin.on('close', () => process.exit(0)).resume();
const tokens = await testTokens();
const app = await buildApp(loadStatsConfig({ ...process.env, LOG_LEVEL: 'silent' }), {
  accessKeys: tokens.keys,
});
const accepted = await app.inject({
  method: 'POST',
  url: '/stats/runs',
  headers: await tokens.bearer(['operator']),
  payload: JSON.parse(process.env.TRAIN_BODY ?? '{}') as Record<string, unknown>,
});
process.stdout.write(`${JSON.stringify({ status: accepted.statusCode, jobId: accepted.json().jobId })}\n`);
