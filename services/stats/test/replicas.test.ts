import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@flotilla/kit';
import { createTestDatabase, type TestDatabase, testTokens } from '@flotilla/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import {
  nbaBody,
  PLAYOFFS_2018,
  parseEvents,
  REGULAR_2018,
  SMALL_SEARCH,
  statsInstance,
  streamEvents,
  type Tokens,
} from './helpers/service.js';

type Replica = Awaited<ReturnType<typeof statsInstance>>;

/** Jobs this replica counted as ended with `status` (only the replica that ran a job counts it). */
async function jobsCounted(replica: Replica, status: 'finished' | 'failed'): Promise<number> {
  const text = (await replica.app.inject({ url: '/metrics' })).payload;
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
  let tokens: Tokens;
  let snapshotIds: number[];
  let open: Replica[] = [];

  const replica = async (databaseUrl: string, env: Record<string, string> = {}) => {
    const started = await statsInstance(databaseUrl, tokens, env);
    open.push(started);
    return started;
  };
  const train = async (on: Replica, payload: Record<string, unknown>) => {
    const accepted = await on.app.inject({
      method: 'POST',
      url: '/stats/runs',
      headers: on.operator,
      payload: { snapshotIds, ...payload },
    });
    expect(accepted.statusCode).toBe(202);
    return accepted.json().jobId as string;
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    url = database.url as string;
    tokens = await testTokens();
    const first = await statsInstance(url, tokens);
    snapshotIds = [];
    for (const file of [REGULAR_2018, PLAYOFFS_2018]) {
      const imported = await first.app.inject({
        method: 'POST',
        url: '/stats/snapshots/import',
        headers: first.operator,
        payload: nbaBody(file),
      });
      snapshotIds.push(imported.json().id);
    }
    await first.app.close();
  });
  afterEach(async () => {
    await Promise.all(open.map((r) => r.app.close()));
    open = [];
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('streams every step of a job running on A to a follower on B, to its end', async () => {
    const a = await replica(url);
    const b = await replica(url);
    const jobId = await train(a, { seed: 3, search: SMALL_SEARCH });

    // From the first event, as a client resuming with Last-Event-ID does: every step is there
    // however late B joins.
    const events = parseEvents(
      (
        await b.app.inject({
          url: `/stats/jobs/${jobId}/events`,
          headers: { ...b.viewer, 'last-event-id': '0' },
        })
      ).payload,
    );
    const progress = events.filter((e) => e.event === 'progress');
    // Taken (0 of unknown), then before each of the 6 steps, then done.
    expect(progress.map((e) => e.data.stepsDone)).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
    expect(progress.slice(1).map((e) => e.data.stepsTotal)).toEqual(Array(7).fill(6));
    const last = events.at(-1);
    expect(last).toMatchObject({ event: 'finished', data: { jobId, status: 'finished' } });
    const job = (await a.app.inject({ url: `/stats/jobs/${jobId}`, headers: a.viewer })).json();
    expect(job).toMatchObject({ status: 'finished', stepsDone: 6, bestRunId: last?.data.bestRunId });
    expect(last?.data.runIds).toEqual(job.runIds);
    // A ran it; B only followed.
    expect(await jobsCounted(a, 'finished')).toBe(1);
    expect(await jobsCounted(b, 'finished')).toBe(0);

    // A stream cut after its fourth event resumes on the other replica with exactly the rest.
    const resumed = parseEvents(
      (
        await a.app.inject({
          url: `/stats/jobs/${jobId}/events`,
          headers: { ...a.viewer, 'last-event-id': String(events[3]?.id) },
        })
      ).payload,
    );
    expect(resumed.map((e) => [e.event, e.data.stepsDone])).toEqual(
      events.slice(4).map((e) => [e.event, e.data.stepsDone]),
    );
    // Without Last-Event-ID, a follower of an ended job gets its state and its end.
    const late = parseEvents(
      (await b.app.inject({ url: `/stats/jobs/${jobId}/events`, headers: b.viewer })).payload,
    );
    expect(late.map((e) => e.event)).toEqual(['progress', 'finished']);
  });

  it('fails a job whose replica was killed mid-job; the follower on the other replica gets the end', async () => {
    // Short leases, so the death is noticed within seconds. The full default search: 56 steps, far
    // more than pass before the kill.
    const a = await replicaProcess({
      DATABASE_URL: url,
      JOB_LEASE_SECONDS: '3',
      TRAIN_BODY: JSON.stringify({ snapshotIds, seed: 1 }),
    });
    const b = await replica(url, { JOB_LEASE_SECONDS: '3' });

    const events: ReturnType<typeof parseEvents> = [];
    let killedAt: number | undefined;
    try {
      for await (const event of streamEvents(b.app, `/stats/jobs/${a.jobId}/events`, b.viewer)) {
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
    expect(last?.event).toBe('failed');
    expect(last?.data.error).toMatch(
      /^interrupted: the stats instance running this job \(.+\) stopped renewing its lease, which ran out at .+; start the job again$/,
    );
    const job = (await b.app.inject({ url: `/stats/jobs/${a.jobId}`, headers: b.viewer })).json();
    expect(job).toMatchObject({ status: 'failed', error: last?.data.error, stepsTotal: 56 });
    expect(job.stepsDone).toBeLessThan(56);
    // None of its runs is left pretending to run or to wait.
    for (const status of ['queued', 'running']) {
      const runs = await b.app.inject({
        url: `/stats/runs?jobId=${a.jobId}&status=${status}`,
        headers: b.viewer,
      });
      expect(runs.json().total, status).toBe(0);
    }
    expect(await jobsCounted(b, 'failed')).toBe(1);
  });

  it('leaves a job alone once another replica has failed it, and goes on with the next', async () => {
    const a = await replica(url);
    const direct = await openDatabase<DB>({ url, name: 'stats-test' });
    try {
      const first = await train(a, { seed: 1 }); // the full search
      for await (const event of streamEvents(a.app, `/stats/jobs/${first}/events`, a.viewer)) {
        if (event.event === 'progress' && (event.data.stepsDone as number) >= 1) break;
      }
      // What another replica's sweep does once A's lease has run out (A stalled, say, but alive).
      await direct.db
        .updateTable('jobs')
        .set({ status: 'failed', error: 'failed by another replica', finished_at: new Date() })
        .where('id', '=', first)
        .execute();
      const second = await train(a, { seed: 2, search: SMALL_SEARCH });
      const ofSecond = parseEvents(
        (await a.app.inject({ url: `/stats/jobs/${second}/events`, headers: a.viewer })).payload,
      );
      // A runs one job at a time: it let go of the first to run the second.
      expect(ofSecond.at(-1)?.event).toBe('finished');
      const job = (await a.app.inject({ url: `/stats/jobs/${first}`, headers: a.viewer })).json();
      expect(job).toMatchObject({ status: 'failed', error: 'failed by another replica' });
      for (const status of ['queued', 'running']) {
        const runs = await a.app.inject({
          url: `/stats/runs?jobId=${first}&status=${status}`,
          headers: a.viewer,
        });
        expect(runs.json().total, status).toBe(0);
      }
      // Whoever failed it counts it, not A.
      expect(await jobsCounted(a, 'finished')).toBe(1);
      expect(await jobsCounted(a, 'failed')).toBe(0);
    } finally {
      await direct.close();
    }
  });

  it("fails A's running job as interrupted when A shuts down, and B runs the job queued behind it", async () => {
    const a = await replica(url);
    const b = await replica(url, { JOB_LEASE_SECONDS: '3' });
    const running = await train(a, { seed: 1 }); // the full search: still running when A stops
    const queued = await train(a, { seed: 2, search: SMALL_SEARCH }); // A runs one job at a time
    const follow = (jobId: string) =>
      b.app.inject({ url: `/stats/jobs/${jobId}/events`, headers: { ...b.viewer, 'last-event-id': '0' } });
    const following = [follow(running), follow(queued)];

    await a.app.close();
    const [ofRunning, ofQueued] = (await Promise.all(following)).map((r) => parseEvents(r.payload));
    expect(ofRunning?.at(-1)).toMatchObject({
      event: 'failed',
      data: { error: 'interrupted: the service shut down while this job was running' },
    });
    expect(ofQueued?.at(-1)).toMatchObject({ event: 'finished', data: { status: 'finished' } });
    expect(ofQueued?.filter((e) => e.event === 'progress').map((e) => e.data.stepsDone)).toEqual([
      0, 0, 1, 2, 3, 4, 5, 6,
    ]);
    expect(await jobsCounted(b, 'finished')).toBe(1);
  });
});
