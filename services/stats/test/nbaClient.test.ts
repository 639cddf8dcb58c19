import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createNbaClient, leagueDashParams, NbaFetchError } from '../src/domain/nbaClient.js';
import { readNbaFile, readNbaJson } from './helpers/sharedData.js';

interface Recording {
  uri: string;
  headers: Record<string, string[]>;
}
const recording = readNbaJson('leaguedashplayerstats_2025-26_request.json') as Recording;
const recordedBody = readNbaFile('leaguedashplayerstats_2025-26_regular_totals.json');
const recordedQuery = new URL(recording.uri).search.slice(1);

type Behaviour = 'reply' | 'hang' | 'destroy' | 503;
interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

/** A loopback stand-in for stats.nba.com: answers attempt n with `behaviours[n]` (last one repeats). */
async function startReplay(
  behaviours: Behaviour[],
): Promise<{ server: Server; baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const behaviour = behaviours[Math.min(seen.length, behaviours.length) - 1];
    if (behaviour === 'hang') return;
    if (behaviour === 'destroy') {
      req.socket.destroy();
      return;
    }
    if (behaviour === 503) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    // Compressed like the real site, since the client advertises gzip.
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(recordedBody));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}`, seen };
}

let running: Server | undefined;
afterEach(async () => {
  running?.closeAllConnections();
  await new Promise((resolve) => running?.close(resolve) ?? resolve(undefined));
  running = undefined;
});

// Generous timeouts: a loopback answer on a loaded CI machine can take hundreds of milliseconds, and
// a timed-out good answer would be retried and counted as a second attempt.
const fast = { timeoutMs: 5_000, backoffMs: 10, pauseMs: 0 };

describe('leagueDashParams', () => {
  it('has 36 parameters in alphabetical order', () => {
    const keys = leagueDashParams({ season: '2018-19', seasonType: 'Playoffs' }).map(([key]) => key);
    expect(keys).toHaveLength(36);
    expect(keys).toEqual([...keys].sort());
  });

  it('rejects a malformed season', () => {
    expect(() => leagueDashParams({ season: '2018', seasonType: 'Playoffs' })).toThrow(/2018-19/);
  });
});

describe('nba client against a loopback replay', () => {
  it('sends exactly the recorded query string and browser headers, and decodes the gzip body', async () => {
    const replay = await startReplay(['reply']);
    running = replay.server;
    const client = createNbaClient({ ...fast, baseUrl: replay.baseUrl });

    const result = await client.fetchLeagueDashPlayerStats({
      season: '2025-26',
      seasonType: 'Regular Season',
      perMode: 'Totals',
    });

    const [request] = replay.seen;
    expect(request?.url).toBe(`/stats/leaguedashplayerstats?${recordedQuery}`);
    for (const [name, [value]] of Object.entries(recording.headers)) {
      const expected = name === 'Host' ? new URL(replay.baseUrl).host : value;
      expect(request?.headers[name.toLowerCase()], name).toBe(expected);
    }
    expect(result.body).toEqual(JSON.parse(recordedBody));
    expect(result.url).toBe(`${replay.baseUrl}/stats/leaguedashplayerstats?${recordedQuery}`);
  });

  it('defaults to Per36 and passes season and season type, keeping empty parameters as Key=', async () => {
    const replay = await startReplay(['reply']);
    running = replay.server;
    const client = createNbaClient({ ...fast, baseUrl: replay.baseUrl });

    await client.fetchLeagueDashPlayerStats({ season: '2018-19', seasonType: 'Playoffs' });

    const query = replay.seen[0]?.url.split('?')[1] ?? '';
    const expected = recordedQuery
      .replace('PerMode=Totals', 'PerMode=Per36')
      .replace('Season=2025-26', 'Season=2018-19')
      .replace('SeasonType=Regular+Season', 'SeasonType=Playoffs');
    expect(query).toBe(expected);
    expect(query).toContain('&College=&'.slice(1));
    expect(query.split('&').filter((pair) => pair.endsWith('='))).toHaveLength(24);
  });

  it('gives up after a timeout with an error naming the URL and the reason', async () => {
    const replay = await startReplay(['hang']);
    running = replay.server;
    const client = createNbaClient({ ...fast, baseUrl: replay.baseUrl, retries: 0, timeoutMs: 150 });

    const failure = client.fetchLeagueDashPlayerStats({ season: '2018-19', seasonType: 'Playoffs' });

    await expect(failure).rejects.toBeInstanceOf(NbaFetchError);
    await expect(failure).rejects.toThrow(
      new RegExp(
        `GET ${replay.baseUrl}/stats/leaguedashplayerstats\\?.* failed after 1 attempt: timed out after 150 ms`,
      ),
    );
  });

  it('retries after a hung first attempt and succeeds on the second', async () => {
    const replay = await startReplay(['hang', 'reply']);
    running = replay.server;
    const client = createNbaClient({ ...fast, baseUrl: replay.baseUrl, retries: 2, timeoutMs: 1_500 });

    const result = await client.fetchLeagueDashPlayerStats({
      season: '2025-26',
      seasonType: 'Regular Season',
    });

    expect(replay.seen).toHaveLength(2);
    expect(result.body).toEqual(JSON.parse(recordedBody));
  });

  it('retries a dropped connection and a 503, then reports the last reason when all fail', async () => {
    const replay = await startReplay(['destroy', 503]);
    running = replay.server;
    const client = createNbaClient({ ...fast, baseUrl: replay.baseUrl, retries: 2 });

    await expect(
      client.fetchLeagueDashPlayerStats({ season: '2025-26', seasonType: 'Regular Season' }),
    ).rejects.toThrow(/failed after 3 attempts: HTTP 503 \(busy\)/);
    expect(replay.seen).toHaveLength(3);
  });

  it('pauses between consecutive calls', async () => {
    const replay = await startReplay(['reply']);
    running = replay.server;
    const client = createNbaClient({ ...fast, baseUrl: replay.baseUrl, pauseMs: 120 });
    const started: number[] = [];
    const original = replay.server.listeners('request')[0] as (...args: unknown[]) => void;
    replay.server.removeAllListeners('request');
    replay.server.on('request', (...args: unknown[]) => {
      started.push(performance.now());
      original(...args);
    });

    await Promise.all([
      client.fetchLeagueDashPlayerStats({ season: '2025-26', seasonType: 'Regular Season' }),
      client.fetchLeagueDashPlayerStats({ season: '2025-26', seasonType: 'Playoffs' }),
    ]);

    expect(started).toHaveLength(2);
    // A lower bound only (the pause must have happened); nothing asserts how fast it ran.
    expect((started[1] ?? 0) - (started[0] ?? 0)).toBeGreaterThanOrEqual(100);
  });
});
