import { afterAll, describe, expect, it } from 'vitest';
import {
  importRecording,
  PLAYOFFS_2018,
  REGULAR_2018,
  type StreamEvent,
  type Stats,
  startStats,
  streamEvents,
} from './helpers/service.js';

describe('job event streams when the service closes', () => {
  let stats: Stats | undefined;
  afterAll(async () => {
    await stats?.close();
  });

  it('cuts open streams (no done, no error), so that they do not hold the closing service open', async () => {
    stats = await startStats('pglite');
    const snapshotIds = [await importRecording(stats, REGULAR_2018), await importRecording(stats, PLAYOFFS_2018)];
    // The full default search: far from done when the service closes.
    const accepted = await stats.request('POST', '/stats/runs', { as: 'operator', body: { snapshotIds, seed: 1 } });
    expect(accepted.status).toBe(202);

    const events: StreamEvent[] = [];
    let stepped: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      stepped = resolve;
    });
    const reading = (async () => {
      for await (const event of streamEvents(stats as Stats, `/stats/jobs/${accepted.body.jobId}/events`)) {
        events.push(event);
        if (event.event === 'progress' && (event.data.stepsDone as number) >= 1) stepped();
      }
    })();
    await running;
    const closing = stats;
    stats = undefined;
    await closing.close();
    await reading;

    expect(events.length).toBeGreaterThan(1);
    expect(events.every((event) => event.event === 'progress' && event.id !== undefined)).toBe(true);
  });
});
