import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@flotilla/kit';
import { testDatabaseKinds } from '@flotilla/kit/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../src/cli/import.js';
import { nbaBody, REGULAR_2018, startStats } from './helpers/service.js';

/** Odd input a client can send: each must be a 400 problem naming the field, never a 500. */

function expectFieldProblem(response: LightMyRequestResponse, field: string) {
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
}

/** A saved response with one player's name replaced, and where that name sits in the body. */
function withPlayerName(name: string) {
  const body = nbaBody(REGULAR_2018) as { resultSets: { headers: string[]; rowSet: unknown[][] }[] };
  const [set] = body.resultSets;
  if (!set?.rowSet[3]) throw new Error('the recording has no fourth player');
  const column = set.headers.indexOf('PLAYER_NAME');
  set.rowSet[3][column] = name;
  return { body, field: `body.resultSets.0.rowSet.3.${column}` };
}

describe.each(testDatabaseKinds())('stats input checks on %s', (kind) => {
  let stats: Awaited<ReturnType<typeof startStats>>;
  beforeAll(async () => {
    stats = await startStats(kind);
    // A season to train on, so a training request is refused for what it holds, not for lack of data.
    const imported = await stats.app.inject({
      method: 'POST',
      url: '/stats/snapshots/import',
      headers: stats.operator,
      payload: nbaBody(REGULAR_2018),
    });
    expect(imported.statusCode).toBe(201);
  });
  afterAll(async () => {
    await stats?.close();
  });

  const inject = (options: InjectOptions) => stats.app.inject(options);
  const total = async (url: string) => (await inject({ url, headers: stats.viewer })).json().total as number;

  it.each([
    '/stats/snapshots?offset=99999999999999999999',
    '/stats/runs?offset=99999999999999999999',
    '/stats/jobs?offset=99999999999999999999',
    '/stats/players?season=2018-19&offset=99999999999999999999',
    // Past PostgreSQL's bigint, and 1e400, which parses as Infinity.
    '/stats/runs?offset=9223372036854775808',
    '/stats/runs?offset=1e400',
  ])('refuses %s with a 400 naming querystring.offset', async (url) => {
    expectFieldProblem(await inject({ url, headers: stats.viewer }), 'querystring.offset');
  });

  it('still pages at the largest offset it accepts', async () => {
    const response = await inject({ url: '/stats/runs?offset=2147483647', headers: stats.viewer });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ items: [], offset: 2_147_483_647 });
  });

  it.each([
    ['{"snapshotIds":[2147483648]}', 'body.snapshotIds.0'],
    ['{"snapshotIds":[1e400]}', 'body.snapshotIds.0'],
    ['{"season":"2018-19","transform":{"minMinutes":1e400}}', 'body.transform.minMinutes'],
    ['{"season":"2018-19","transform":{"minGames":100000000000000000000}}', 'body.transform.minGames'],
    ['{"season":"2018-19","experiment":"\\ud800 half a character"}', 'body.experiment'],
  ])('refuses the training request %s with a 400 naming %s, queueing nothing', async (payload, field) => {
    const response = await inject({
      method: 'POST',
      url: '/stats/runs',
      headers: { ...stats.operator, 'content-type': 'application/json' },
      payload,
    });
    expectFieldProblem(response, field);
    expect(await total('/stats/jobs')).toBe(0);
  });

  it('refuses a NUL character in a query with a 400 naming it', async () => {
    const response = await inject({ url: '/stats/runs?experiment=a%00b', headers: stats.viewer });
    expectFieldProblem(response, 'querystring.experiment');
  });

  it.each([
    '2016-12-31T23:59:60Z', // a leap second: the format admits it, a Date cannot hold it
    '0001-01-01T00:00:00+23:59', // year 0 in UTC, which PostgreSQL lacks
    '9999-12-31T23:59:59-23:59', // year 10000 in UTC
  ])('refuses fetchedAt=%s on import with a 400 naming it, storing nothing', async (instant) => {
    const response = await inject({
      method: 'POST',
      url: `/stats/snapshots/import?fetchedAt=${encodeURIComponent(instant)}`,
      headers: stats.operator,
      payload: nbaBody(REGULAR_2018),
    });
    expectFieldProblem(response, 'querystring.fetchedAt');
    expect(await total('/stats/snapshots')).toBe(1);
  });

  it('refuses an imported response holding half a UTF-16 character, naming where', async () => {
    const { body, field } = withPlayerName('Luka \ud83d');
    const response = await inject({
      method: 'POST',
      url: '/stats/snapshots/import',
      headers: stats.operator,
      payload: body,
    });
    expectFieldProblem(response, field);
    expect(await total('/stats/snapshots')).toBe(1);
  });
});

describe('stats:import CLI input checks', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stats-import-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // A file does not pass through kit's request guard, so the store itself names what it cannot hold.
  it('refuses a file with a NUL character in a player name, naming where', async () => {
    const { body, field } = withPlayerName('Nul\u0000Name');
    const file = join(dir, 'nul.json');
    await writeFile(file, JSON.stringify(body));
    await expect(importFile([file], { DATA_DIR: join(dir, 'db') })).rejects.toThrow(
      `${field} contains a NUL character`,
    );
  });

  it('refuses to import into a data directory a running service holds, and says what to do', async () => {
    const file = join(dir, 'response.json');
    await writeFile(file, JSON.stringify(nbaBody(REGULAR_2018)));
    const dataDir = join(dir, 'held');
    const running = await openDatabase({ name: 'stats', dataDir });
    try {
      await expect(importFile([file], { DATA_DIR: dataDir })).rejects.toThrow(
        /in use by process \d+.*stop Flotilla first, or import the file on the Stats page/,
      );
    } finally {
      await running.close();
    }
    expect(await importFile([file], { DATA_DIR: dataDir })).toMatch(/^imported .* as snapshot 1/);
  });
});
