import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stats, startStats } from './helpers/service.js';
import { readNbaFile } from './helpers/sharedData.js';

/**
 * POST /stats/snapshots against a loopback stand-in for stats.nba.com that replays the shared
 * recordings (`../shared/data/nba/*.json`) by Season and SeasonType, or never answers.
 */
const FILES: Record<string, string> = {
  '2018-19|Regular Season|Per36': 'leaguedashplayerstats_2018-19_regular_per36.resultsets.json',
  '2018-19|Playoffs|Per36': 'leaguedashplayerstats_2018-19_playoffs_per36.resultsets.json',
  '2025-26|Regular Season|Totals': 'leaguedashplayerstats_2025-26_regular_totals.json',
};

async function startSite(mode: 'replay' | 'hang') {
  const seen: { url: URL; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stats.nba.test');
    seen.push({ url, headers: req.headers });
    if (mode === 'hang') return;
    const q = url.searchParams;
    const file = FILES[`${q.get('Season')}|${q.get('SeasonType')}|${q.get('PerMode')}`];
    if (url.pathname !== '/stats/leaguedashplayerstats' || !file) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(readNbaFile(file)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

let site: Server | undefined;
let stats: Stats | undefined;
afterEach(async () => {
  await stats?.close();
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve) ?? resolve(undefined));
  stats = undefined;
  site = undefined;
});

const snapshotCount = async () =>
  (await stats?.request('GET', '/stats/snapshots', { as: 'viewer' }))?.body.items.length as number;
const fetchSeason = (body: Record<string, string>) =>
  (stats as Stats).request('POST', '/stats/snapshots', { as: 'operator', body });

describe('POST /stats/snapshots (fetch from stats.nba.com)', () => {
  it('fetches a season with the site’s parameters and headers and stores it as a snapshot', async () => {
    const replay = await startSite('replay');
    site = replay.server;
    stats = await startStats('pglite', { NBA_API_URL: replay.url });
    const response = await fetchSeason({ season: '2018-19', seasonType: 'Playoffs' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      season: '2018-19',
      seasonType: 'Playoffs',
      perMode: 'Per36',
      source: 'fetched',
      playerCount: 212,
    });
    expect(response.body.origin).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/stats\/leaguedashplayerstats\?College=&/,
    );
    const [request] = replay.seen;
    expect([...(request?.url.searchParams.keys() ?? [])]).toHaveLength(36);
    expect(request?.headers['user-agent']).toMatch(/Chrome/);
    expect(request?.headers.referer).toBe('https://www.nba.com/');

    const totals = await fetchSeason({ season: '2025-26', seasonType: 'Regular Season', perMode: 'Totals' });
    expect(totals.body).toMatchObject({ perMode: 'Totals', playerCount: 535 });
    expect(await snapshotCount()).toBe(2);
  });

  it('answers 503 with a clear message when the site does not answer, storing nothing', async () => {
    const hanging = await startSite('hang');
    site = hanging.server;
    stats = await startStats('pglite', {
      NBA_API_URL: hanging.url,
      NBA_TIMEOUT_MS: '200',
      NBA_RETRIES: '1',
      NBA_BACKOFF_MS: '0',
    });
    const response = await fetchSeason({ season: '2018-19', seasonType: 'Regular Season' });
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('60');
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.detail).toMatch(
      /stats\.nba\.com did not answer usably after 2 attempts: timed out after 200 ms/,
    );
    expect(response.body.detail).toMatch(/Nothing was stored/);
    // The problem's own members reach the client (its schema declares them).
    expect(response.body).toMatchObject({ status: 503, upstream: 'stats.nba.com', attempts: 2, retryAfter: 60 });
    expect(hanging.seen).toHaveLength(2);
    expect(await snapshotCount()).toBe(0);
  });

  it('answers 502 when the site refuses, and 400 naming the field for a bad season', async () => {
    const replay = await startSite('replay');
    site = replay.server;
    stats = await startStats('pglite', { NBA_API_URL: replay.url });
    const refused = await fetchSeason({ season: '1999-00', seasonType: 'Regular Season' });
    expect(refused.status).toBe(502);
    expect(refused.body.detail).toMatch(/HTTP 400/);
    expect(refused.body).toMatchObject({ status: 502, upstream: 'stats.nba.com', attempts: 1 });
    const bad = await fetchSeason({ season: '2018', seasonType: 'Regular Season' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/body\.season/);
    expect(await snapshotCount()).toBe(0);
  });
});
