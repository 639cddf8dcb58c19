import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@flotilla/kit';
import { type Answer, testDatabaseKinds } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../src/cli/import.js';
import { importRecording, nbaBody, REGULAR_2018, type Stats, startStats } from './helpers/service.js';

/** Odd input a client can send: each must be a 400 problem naming the field, never a 500. */

function expectFieldProblem(response: Answer, field: string) {
  expect(response.status, response.text).toBe(400);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
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

/** A cursor as a client could forge one: base64url of any JSON text. */
const forged = (json: string) => Buffer.from(json).toString('base64url');
const MAX_INT = 2_147_483_647;

describe.each(testDatabaseKinds())('stats input checks on %s', (kind) => {
  let stats: Stats;
  beforeAll(async () => {
    stats = await startStats(kind);
    // A season to train on, so a training request is refused for what it holds, not for lack of data.
    await importRecording(stats, REGULAR_2018);
  });
  afterAll(async () => {
    await stats?.close();
  });

  const get = (url: string) => stats.request('GET', url, { as: 'viewer' });
  const count = async (url: string) => (await get(url)).body.items.length as number;

  it.each([
    '/stats/snapshots?limit=99999999999999999999',
    '/stats/runs?limit=99999999999999999999',
    '/stats/jobs?limit=99999999999999999999',
    '/stats/players?season=2018-19&limit=99999999999999999999',
    // Past PostgreSQL's bigint, and 1e400, which parses as Infinity.
    '/stats/runs?limit=9223372036854775808',
    '/stats/runs?limit=1e400',
    '/stats/runs?limit=201',
    '/stats/players?season=2018-19&limit=1001',
    '/stats/jobs?limit=0',
  ])('refuses %s with a 400 naming query.limit', async (url) => {
    expectFieldProblem(await get(url), 'query.limit');
  });

  it.each([
    ['/stats/snapshots', forged('{"id":99999999999999999999}')],
    ['/stats/snapshots', forged(`{"id":${MAX_INT + 1}}`)],
    ['/stats/snapshots', forged('{"id":1e400}')],
    ['/stats/snapshots', forged('{"offset":100}')],
    ['/stats/snapshots', forged('{"id": 1}')], // not as this service writes it
    ['/stats/runs?sort=recent', forged('{"id":9223372036854775808}')],
    ['/stats/runs?sort=score', forged('{"score":1e400,"id":1}')],
    ['/stats/runs?sort=score', forged('{"score":0.5,"id":-1}')],
    ['/stats/runs?sort=score', forged('{"id":1}')], // a cursor of the other order
    ['/stats/jobs', forged('{"id":"urn:uuid:00000000-0000-4000-8000-000000000000"}')],
    ['/stats/jobs', forged('{"id":"not a uuid"}')],
    ['/stats/players?season=2018-19', forged('{"playerId":1e400}')],
    ['/stats/runs', '!!!'],
    ['/stats/jobs', 'x'.repeat(1025)],
  ])('refuses %s with the forged cursor %s, a 400 naming query.cursor', async (url, cursor) => {
    const separator = url.includes('?') ? '&' : '?';
    expectFieldProblem(await get(`${url}${separator}cursor=${encodeURIComponent(cursor)}`), 'query.cursor');
  });

  it.each(['/stats/snapshots', '/stats/runs', '/stats/jobs', '/stats/players?season=2018-19'])(
    'refuses the old offset paging on %s, naming query.offset',
    async (url) => {
      const separator = url.includes('?') ? '&' : '?';
      const response = await get(`${url}${separator}offset=99999999999999999999`);
      expectFieldProblem(response, 'query.offset');
      expect(response.body.errors).toEqual([{ field: 'query.offset', message: 'is not a known field' }]);
    },
  );

  it.each([
    ['/stats/snapshots', { id: MAX_INT }],
    ['/stats/runs?sort=recent', { id: MAX_INT }],
    ['/stats/runs?sort=recent', { id: 1 }],
    ['/stats/runs?sort=score', { score: null, id: MAX_INT }],
    ['/stats/runs?sort=score', { score: -1e308, id: 1 }],
    ['/stats/jobs', { id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }],
    ['/stats/players?season=2018-19', { playerId: MAX_INT }],
  ])('still answers %s at the cursor position %j, with an empty last page', async (url, position) => {
    const separator = url.includes('?') ? '&' : '?';
    const response = await get(`${url}${separator}cursor=${forged(JSON.stringify(position))}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ items: [], nextCursor: null });
  });

  it.each([
    ['{"snapshotIds":[2147483648]}', 'body.snapshotIds.0'],
    ['{"snapshotIds":[1e400]}', 'body.snapshotIds.0'],
    ['{"season":"2018-19","transform":{"minMinutes":1e400}}', 'body.transform.minMinutes'],
    ['{"season":"2018-19","transform":{"minGames":100000000000000000000}}', 'body.transform.minGames'],
    ['{"season":"2018-19","experiment":"\\ud800 half a character"}', 'body.experiment'],
    ['{"season":"2018-19","sead":1}', 'body.sead'],
  ])('refuses the training request %s with a 400 naming %s, queueing nothing', async (payload, field) => {
    const response = await stats.request('POST', '/stats/runs', {
      as: 'operator',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expectFieldProblem(response, field);
    expect(await count('/stats/jobs')).toBe(0);
  });

  it('refuses a NUL character in a query with a 400 naming it', async () => {
    expectFieldProblem(await get('/stats/runs?experiment=a%00b'), 'query.experiment');
  });

  it.each([
    '2016-12-31T23:59:60Z', // a leap second: the format admits it, a Date cannot hold it
    '0001-01-01T00:00:00+23:59', // year 0 in UTC, which PostgreSQL lacks
    '9999-12-31T23:59:59-23:59', // year 10000 in UTC
  ])('refuses fetchedAt=%s on import with a 400 naming it, storing nothing', async (instant) => {
    const response = await stats.request('POST', `/stats/snapshots/import?fetchedAt=${encodeURIComponent(instant)}`, {
      as: 'operator',
      body: nbaBody(REGULAR_2018),
    });
    expectFieldProblem(response, 'query.fetchedAt');
    expect(await count('/stats/snapshots')).toBe(1);
  });

  it('refuses an imported response holding half a UTF-16 character, naming where', async () => {
    const { body, field } = withPlayerName('Luka \ud83d');
    const response = await stats.request('POST', '/stats/snapshots/import', { as: 'operator', body });
    expectFieldProblem(response, field);
    expect(await count('/stats/snapshots')).toBe(1);
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
