import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@flotilla/kit';
import { createTestDatabase, type TestDatabase } from '@flotilla/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import {
  importRecording,
  jobEvents,
  PLAYOFFS_2018,
  REGULAR_2018,
  SMALL_SEARCH,
  type StreamEvent,
  type Stats,
  startStats,
  streamEvents,
} from './helpers/service.js';

type Replica = Stats;

/** Jobs this replica counted as ended with `status` (only the replica that ran a job counts it). */
async function jobsCounted(replica: Replica, status: 'finished' | 'failed'): Promise<number> {
  const text = (await replica.request('GET', '/metrics', { as: 'anonymous' })).text;
  const line = new RegExp(`^stats_training_jobs_total\\{[^}]*status="${status}"[^}]*\\} (\\d+)$`, 'm').exec(text);
  return Number(line?.[1] ?? 0);
}

/**
 * A replica in a child process that has started a training job: the test can kill it for real.
 * It runs from source like the tests do (the root tsconfig.test.json maps @flotilla/kit to it).
 */
async function replicaProcess(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./helpers/replica-process.ts', import.meta.url))],
    {
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../../tsconfig.test.json', import.meta.url)),
        ...env,
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited])) as [
    string | undefined,
  ];
  const started = JSON.parse(line ?? '{}') as { status?: number; jobId?: string };
  expect(started.status, 'the replica process accepted the job').toBe(202);
  return {
    jobId: started.jobId as string,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

// Several replicas need one database server; PGlite is one process by design.
describe.skipIf(!process.env.TEST_DATABASE_URL)('stats replicas on one PostgreSQL database', () => {
  let database: TestDatabase;
  let url: string;
  let snapshotIds: number[];
  let open: Replica[] = [];

  /** Another instance on the one database (each trusts its own test key). */
  const replica = async (env: Record<string, string> = {}) => {
    const started = await startStats('postgresql', env, database);
    open.push(started);
    return started;
  };
  const train = async (on: Replica, payload: Record<string, unknown>) => {
    const accepted = await on.request('POST', '/stats/runs', { as: 'operator', body: { snapshotIds, ...payload } });
    expect(accepted.status).toBe(202);
    return accepted.body.jobId as string;
  };
  const getJob = async (on: Replica, jobId: string) =>
    (await on.request('GET', `/stats/jobs/${jobId}`, { as: 'viewer' })).body;
  const runsOf = async (on: Replica, jobId: string, status: string) =>
    (await on.request('GET', `/stats/runs?jobId=${jobId}&status=${status}`, { as: 'viewer' })).body.items;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    url = database.url as string;
    const first = await startStats('postgresql', {}, database);
    snapshotIds = [];
    for (const file of [REGULAR_2018, PLAYOFFS_2018]) snapshotIds.push(await importRecording(first, file));
    await first.close();
  });
  afterEach(async () => {
    await Promise.all(open.map((r) => r.close()));
    open = [];
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('streams every step of a job running on A to a follower on B, to its end', async () => {
    const a = await replica();
    const b = await replica();
    const jobId = await train(a, { seed: 3, search: SMALL_SEARCH });

    // From the first event, as a client resuming with Last-Event-ID does: every step is there
    // however late B joins.
    const events = await jobEvents(b, jobId, '0');
    const progress = events.filter((e) => e.event === 'progress');
    // Taken (0 of unknown), then before each of the 6 steps, then done.
    expect(progress.map((e) => e.data.stepsDone)).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
    expect(progress.slice(1).map((e) => e.data.stepsTotal)).toEqual(Array(7).fill(6));
    const last = events.at(-1);
    expect(last).toMatchObject({ event: 'done', data: { jobId, status: 'finished' } });
    const job = await getJob(a, jobId);
    expect(job).toMatchObject({ status: 'finished', stepsDone: 6, bestRunId: last?.data.bestRunId });
    expect(last?.data.runIds).toEqual(job.runIds);
    // A ran it; B only followed.
    expect(await jobsCounted(a, 'finished')).toBe(1);
    expect(await jobsCounted(b, 'finished')).toBe(0);

    // A stream cut after its fourth event resumes on the other replica with exactly the rest.
    const resumed = await jobEvents(a, jobId, String(events[3]?.id));
    expect(resumed.map((e) => [e.event, e.id, e.data.stepsDone])).toEqual(
      events.slice(4).map((e) => [e.event, e.id, e.data.stepsDone]),
    );
    // Without Last-Event-ID, a follower of an ended job gets its state and its end.
    expect((await jobEvents(b, jobId)).map((e) => e.event)).toEqual(['progress', 'done']);
  });

  it('fails a job whose replica was killed mid-job; the follower on the other replica gets the end', async () => {
    // Short leases, so the death is noticed within seconds. The full default search: 56 steps, far
    // more than pass before the kill.
    const a = await replicaProcess({
      DATABASE_URL: url,
      JOB_LEASE_SECONDS: '3',
      TRAIN_BODY: JSON.stringify({ snapshotIds, seed: 1 }),
    });
    const b = await replica({ JOB_LEASE_SECONDS: '3' });

    const events: StreamEvent[] = [];
    let killedAt: number | undefined;
    try {
      for await (const event of streamEvents(b, `/stats/jobs/${a.jobId}/events`)) {
        events.push(event);
        const done = event.data.stepsDone as number;
        if (killedAt === undefined && event.event === 'progress' && done >= 1) {
          killedAt = done;
          await a.kill();
        }
      }
    } finally {
      await a.kill();
    }

    expect(killedAt).toBeDefined();
    const last = events.at(-1);
    expect(last).toMatchObject({ event: 'error', data: { status: 503, jobId: a.jobId, jobStatus: 'failed' } });
    expect(last?.data.detail).toMatch(
      /^interrupted: the stats instance running this job \(.+\) stopped renewing its lease, which ran out at .+; start the job again$/,
    );
    const job = await getJob(b, a.jobId);
    expect(job).toMatchObject({ status: 'failed', error: last?.data.detail, stepsTotal: 56 });
    expect(job.stepsDone).toBeLessThan(56);
    // None of its runs is left pretending to run or to wait.
    for (const status of ['queued', 'running']) expect(await runsOf(b, a.jobId, status), status).toEqual([]);
    expect(await jobsCounted(b, 'failed')).toBe(1);
  });

  it('leaves a job alone once another replica has failed it, and goes on with the next', async () => {
    const a = await replica();
    const direct = await openDatabase<DB>({ url, name: 'stats-test' });
    try {
      const first = await train(a, { seed: 1 }); // the full search
      for await (const event of streamEvents(a, `/stats/jobs/${first}/events`)) {
        if (event.event === 'progress' && (event.data.stepsDone as number) >= 1) break;
      }
      // What another replica's sweep does once A's lease has run out (A stalled, say, but alive).
      await direct.db
        .updateTable('jobs')
        .set({ status: 'failed', error: 'failed by another replica', finished_at: new Date() })
        .where('id', '=', first)
        .execute();
      const second = await train(a, { seed: 2, search: SMALL_SEARCH });
      // A runs one job at a time: it let go of the first to run the second.
      expect((await jobEvents(a, second)).at(-1)?.event).toBe('done');
      expect(await getJob(a, first)).toMatchObject({ status: 'failed', error: 'failed by another replica' });
      for (const status of ['queued', 'running']) expect(await runsOf(a, first, status), status).toEqual([]);
      // Whoever failed it counts it, not A.
      expect(await jobsCounted(a, 'finished')).toBe(1);
      expect(await jobsCounted(a, 'failed')).toBe(0);
    } finally {
      await direct.close();
    }
  });

  it("fails A's running job as interrupted when A shuts down, and B runs the job queued behind it", async () => {
    const a = await replica();
    const b = await replica({ JOB_LEASE_SECONDS: '3' });
    const running = await train(a, { seed: 1 }); // the full search: still running when A stops
    const queued = await train(a, { seed: 2, search: SMALL_SEARCH }); // A runs one job at a time
    const following = [jobEvents(b, running, '0'), jobEvents(b, queued, '0')];

    await a.app.close();
    const [ofRunning, ofQueued] = await Promise.all(following);
    expect(ofRunning?.at(-1)).toMatchObject({
      event: 'error',
      data: {
        status: 503,
        jobStatus: 'failed',
        detail: 'interrupted: the service shut down while this job was running',
      },
    });
    expect(ofQueued?.at(-1)).toMatchObject({ event: 'done', data: { status: 'finished' } });
    expect(ofQueued?.filter((e) => e.event === 'progress').map((e) => e.data.stepsDone)).toEqual([
      0, 0, 1, 2, 3, 4, 5, 6,
    ]);
    expect(await jobsCounted(b, 'finished')).toBe(1);
  });
});
