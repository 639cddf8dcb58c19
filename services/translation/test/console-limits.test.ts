import { testDatabaseKinds } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleService, startConsoleService, whileConsoleQueryRuns } from './console-harness.js';
import type { Service } from './harness.js';

/**
 * Queries that took the service down before the console had hard limits: on PGlite each one held
 * the only thread (12+ minutes for the first), and the last grew the process by 1.4 GB for good.
 */
const ATTACKS: Array<[string, string]> = [
  ['an endless recursive CTE', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r'],
  [
    'a count distinct over 10 million hashes',
    'select count(distinct md5(g::text)) from generate_series(1,(select 10000000)) g',
  ],
  ['a 400 MB string_agg', "select length(string_agg(repeat('x', 1000), ',')) from generate_series(1, 400000) g"],
  ['pure CPU with no end', 'select count(*) from (select generate_series(1, 100000000000)) s'],
  ['a single 300 MB value', "select repeat('x', 300000000)"],
];

describe.each(testDatabaseKinds())('the SQL console cannot take the service down, on %s', (kind) => {
  let started: ConsoleService;
  let service: Service;

  beforeAll(async () => {
    started = await startConsoleService(kind);
    service = started.service;
    await service.request('POST', '/translate', { body: { text_de: 'Der Hund schläft.' } });
    // The sandbox starts with the first query; the attacks below are then timed from a warm one.
    expect((await service.request('POST', '/sql', { body: { query: 'select 1' }, as: 'admin' })).status).toBe(200);
  });
  afterAll(async () => started?.close());

  it.each(ATTACKS)(
    'stops %s with a 422 problem while other requests are answered',
    async (name, query) => {
      const run = await whileConsoleQueryRuns(service, query, () =>
        service.request('GET', '/translations?limit=5'),
      );
      if (kind === 'postgresql' && name === 'a 400 MB string_agg' && run.console.status === 200) {
        // A server builds it in its own memory within the 2 s and answers one number: no attack there.
        expect(run.console.body.rows).toEqual([[400399999]]);
      } else {
        expect(run.console.status).toBe(422);
        expect(run.console.headers['content-type']).toContain('application/problem+json');
        expect(['timeout', 'too-large']).toContain(run.console.body.reason);
      }
      // The point: the service answered an ordinary request while the console query was running.
      expect(run.sawRunning).toBe(true);
      expect(run.ordinary.status).toBe(200);
      expect(run.servedMeanwhile).toBe(true);
    },
    // A hang fails by this timeout; a loaded CI machine has taken 17 s to stop, respawn and answer.
    60_000,
  );

  it('translates and stores while a console query burns CPU', async () => {
    const run = await whileConsoleQueryRuns(service, ATTACKS[3]?.[1] ?? '', () =>
      service.request('POST', '/translate', { body: { text_de: 'Die Katze läuft.' } }),
    );
    expect(run.ordinary.status).toBe(201);
    expect(run.servedMeanwhile).toBe(true);
    expect(run.console.body.reason, run.console.body.detail).toBe('timeout');
  });

  it('answers the next query normally after each stopped one, seeing the data stored meanwhile', async () => {
    const answer = await service.request('POST', '/sql', {
      body: { query: "select count(*) from translations where text_en = 'The cat runs.'" },
      as: 'admin',
    });
    expect(answer.status).toBe(200);
    expect(Number(answer.body.rows[0][0])).toBe(1);
  });
});
