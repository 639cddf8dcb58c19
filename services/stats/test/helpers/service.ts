import {
  type Caller,
  parseEventStream,
  type StreamEvent,
  type TestDatabase,
  type TestService,
  startTestService,
} from '@flotilla/kit/testing';

export type { StreamEvent };
import { buildApp } from '../../src/app.js';
import { loadStatsConfig } from '../../src/config.js';
import { readNbaJson } from './sharedData.js';

/** Who calls the stats service in tests. */
export const CALLERS: Record<'operator' | 'viewer', Caller> = {
  operator: { userId: 1, username: 'test-operator', roles: ['operator'] },
  viewer: { userId: 2, username: 'test-viewer', roles: ['viewer'] },
};

export type Stats = TestService<Awaited<ReturnType<typeof buildApp>>, keyof typeof CALLERS>;

/**
 * A stats service on a fresh test database (kit's harness), or on `shared`, a database other
 * instances use too (replicas): closing the instance then leaves that database to its owner.
 */
export async function startStats(
  kind: 'pglite' | 'postgresql',
  env: Record<string, string> = {},
  shared?: TestDatabase,
): Promise<Stats> {
  return startTestService({
    kind,
    callers: CALLERS,
    ...(shared ? { reuse: { ...shared, drop: async () => {} } } : {}),
    build: (database, keys) =>
      buildApp(
        loadStatsConfig({
          LOG_LEVEL: 'silent',
          ...(database.url ? { DATABASE_URL: database.url } : {}),
          // Nothing in these tests may reach the real site by accident.
          NBA_API_URL: 'http://127.0.0.1:9',
          NBA_RETRIES: '0',
          NBA_PAUSE_MS: '0',
          ...env,
        }),
        { accessKeys: keys },
      ),
  });
}

/** The Authorization header of one of the callers. */
export const headersOf = (stats: Stats, caller: keyof typeof CALLERS) => ({
  authorization: `Bearer ${stats.tokens[caller]}`,
});

export const REGULAR_2018 = 'leaguedashplayerstats_2018-19_regular_per36.resultsets.json';
export const PLAYOFFS_2018 = 'leaguedashplayerstats_2018-19_playoffs_per36.resultsets.json';

export function nbaBody(name: string): Record<string, unknown> {
  return readNbaJson(name) as Record<string, unknown>;
}

/** Imports a recorded response as a snapshot and returns its id. */
export async function importRecording(stats: Stats, name: string, query = ''): Promise<number> {
  const imported = await stats.request('POST', `/stats/snapshots/import${query}`, {
    as: 'operator',
    body: nbaBody(name),
  });
  if (imported.status !== 201) throw new Error(`import of ${name}: ${imported.status} ${imported.text}`);
  return imported.body.id as number;
}

/** A job's whole event stream (it ends with the job), from the start or after `lastEventId`. */
export async function jobEvents(stats: Stats, jobId: string, lastEventId?: string): Promise<StreamEvent[]> {
  const answer = await stats.request('GET', `/stats/jobs/${jobId}/events`, {
    as: 'viewer',
    ...(lastEventId === undefined ? {} : { headers: { 'last-event-id': lastEventId } }),
  });
  if (answer.status !== 200) throw new Error(`events of job ${jobId}: ${answer.status} ${answer.text}`);
  return parseEventStream(answer.text);
}

/** A search space small enough for tests (the full default takes seconds). */
export const SMALL_SEARCH = {
  kmeans: { k: [3, 4], nInit: 2 },
  agglomerative: { k: [3], linkage: ['ward', 'average'] },
  dbscan: { minSamples: [8], epsQuantiles: [0.9] },
  gaussianMixture: { k: [3], covariance: ['diag'], nInit: 1 },
};

/** Server-sent events as they arrive, for acting in the middle of a stream. */
export async function* streamEvents(stats: Stats, url: string): AsyncGenerator<StreamEvent> {
  const response = await stats.app.inject({ url, headers: headersOf(stats, 'viewer'), payloadAsStream: true });
  let buffered = '';
  for await (const chunk of response.stream()) {
    buffered += String(chunk);
    for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
      yield* parseEventStream(buffered.slice(0, end + 2));
      buffered = buffered.slice(end + 2);
    }
  }
}
