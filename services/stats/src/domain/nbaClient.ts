import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { type Dispatcher, request } from 'undici';

/** The only I/O module of the domain: fetches `leaguedashplayerstats` from stats.nba.com. */

export const NBA_STATS_BASE_URL = 'https://stats.nba.com';
export const LEAGUE_DASH_PATH = '/stats/leaguedashplayerstats';

export type SeasonType = 'Regular Season' | 'Playoffs';
export type PerMode = 'Per36' | 'Totals' | 'PerGame';

export interface LeagueDashQuery {
  /** e.g. `2018-19` */
  season: string;
  seasonType: SeasonType;
  /** Defaults to `Per36`, the mode the clustering is built on. */
  perMode?: PerMode;
}

const SEASON_PATTERN = /^\d{4}-\d{2}$/;

/**
 * All 36 parameters the site expects, alphabetical, as recorded in
 * `data/nba/leaguedashplayerstats_2025-26_request.json`. The endpoint answers 400 or hangs
 * when one is missing, so empty ones are still sent as `Key=`.
 */
export function leagueDashParams(query: LeagueDashQuery): [string, string][] {
  if (!SEASON_PATTERN.test(query.season)) {
    throw new RangeError(`season must look like 2018-19, got ${JSON.stringify(query.season)}`);
  }
  return [
    ['College', ''],
    ['Conference', ''],
    ['Country', ''],
    ['DateFrom', ''],
    ['DateTo', ''],
    ['Division', ''],
    ['DraftPick', ''],
    ['DraftYear', ''],
    ['GameScope', ''],
    ['GameSegment', ''],
    ['Height', ''],
    ['LastNGames', '0'],
    ['LeagueID', '00'],
    ['Location', ''],
    ['MeasureType', 'Base'],
    ['Month', '0'],
    ['OpponentTeamID', '0'],
    ['Outcome', ''],
    ['PORound', ''],
    ['PaceAdjust', 'N'],
    ['PerMode', query.perMode ?? 'Per36'],
    ['Period', '0'],
    ['PlayerExperience', ''],
    ['PlayerPosition', ''],
    ['PlusMinus', 'N'],
    ['Rank', 'N'],
    ['Season', query.season],
    ['SeasonSegment', ''],
    ['SeasonType', query.seasonType],
    ['ShotClockRange', ''],
    ['StarterBench', ''],
    ['TeamID', ''],
    ['TwoWay', ''],
    ['VsConference', ''],
    ['VsDivision', ''],
    ['Weight', ''],
  ];
}

/** Full request URL; URLSearchParams keeps insertion order and writes spaces as `+`, like the recording. */
export function leagueDashUrl(baseUrl: string, query: LeagueDashQuery): string {
  const url = new URL(LEAGUE_DASH_PATH, baseUrl);
  url.search = new URLSearchParams(leagueDashParams(query)).toString();
  return url.toString();
}

/**
 * Browser-style headers from the recording. The site drops requests without them.
 * `Host` comes from the URL and `Connection: keep-alive` is undici's default, so neither is set here.
 */
export const NBA_BROWSER_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  Accept: 'application/json, text/plain, */*',
  'Accept-Encoding': 'gzip, deflate, br',
  'Accept-Language': 'en-US,en;q=0.5',
  'Cache-Control': 'no-cache',
  Pragma: 'no-cache',
  Referer: 'https://www.nba.com/',
  'Sec-Ch-Ua': '"Not:A-Brand";v="99", "Google Chrome";v="145", "Chromium";v="145"',
  'Sec-Ch-Ua-Mobile': '?0',
  'Sec-Fetch-Dest': 'empty',
  'User-Agent':
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/145.0.0.0 Safari/537.36',
});

export interface NbaClientOptions {
  baseUrl?: string;
  /** Per attempt, covering connect, headers and body. */
  timeoutMs?: number;
  /** Attempts after the first one. */
  retries?: number;
  /** Delay before retry n is `backoffMs * 2^(n-1)`. */
  backoffMs?: number;
  /** Minimum gap between the end of one call and the start of the next (the site throttles). */
  pauseMs?: number;
  dispatcher?: Dispatcher;
}

export interface LeagueDashResponse {
  url: string;
  season: string;
  seasonType: SeasonType;
  perMode: PerMode;
  fetchedAt: Date;
  /** The parsed JSON body, unvalidated: `parse.ts` checks its shape. */
  body: unknown;
}

/**
 * Raised when no attempt succeeded; names the URL, the attempts and the last reason. `unavailable`
 * when the last attempt could be retried later (no answer, a timeout, 429, 5xx), not when the site
 * answered something that will not change (a 4xx, a body that is not JSON).
 */
export class NbaFetchError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly attempts: number,
    readonly unavailable: boolean,
  ) {
    super(`GET ${url} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`);
    this.name = 'NbaFetchError';
  }
}

/** A failure worth retrying (network, timeout, 429, 5xx) versus one that will not change (4xx, bad body). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

async function decode(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzipAsync(body);
    case 'deflate':
      return inflateAsync(body);
    case 'br':
      return brotliAsync(body);
    default:
      throw new AttemptError(`unsupported content-encoding ${encoding}`, false);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof AttemptError) return error.message;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError')
      return `timed out after ${timeoutMs} ms`;
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export interface NbaClient {
  fetchLeagueDashPlayerStats(query: LeagueDashQuery): Promise<LeagueDashResponse>;
}

export function createNbaClient(options: NbaClientOptions = {}): NbaClient {
  const baseUrl = options.baseUrl ?? NBA_STATS_BASE_URL;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 2_000;
  const pauseMs = options.pauseMs ?? 1_500;
  let lastCallEnded = Number.NEGATIVE_INFINITY;
  // Calls are serialised so the pause holds even when callers fire several at once.
  let queue: Promise<unknown> = Promise.resolve();

  async function attempt(url: string): Promise<unknown> {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await request(url, {
      method: 'GET',
      headers: { ...NBA_BROWSER_HEADERS },
      signal,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    const raw = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode !== 200) {
      const retryable = response.statusCode === 429 || response.statusCode >= 500;
      const snippet = raw.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ');
      throw new AttemptError(`HTTP ${response.statusCode}${snippet ? ` (${snippet})` : ''}`, retryable);
    }
    const encoding = response.headers['content-encoding'];
    const text = (await decode(raw, Array.isArray(encoding) ? encoding.join(',') : encoding)).toString(
      'utf8',
    );
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AttemptError(
        `response is not JSON (starts with ${JSON.stringify(text.slice(0, 80))})`,
        false,
      );
    }
  }

  async function fetchOnce(query: LeagueDashQuery): Promise<LeagueDashResponse> {
    const url = leagueDashUrl(baseUrl, query);
    const wait = lastCallEnded + pauseMs - Date.now();
    if (wait > 0) await sleep(wait);
    let lastReason = 'not attempted';
    let lastRetryable = true;
    let attempts = 0;
    try {
      for (let n = 0; n <= retries; n++) {
        if (n > 0) await sleep(backoffMs * 2 ** (n - 1));
        attempts++;
        try {
          const body = await attempt(url);
          return {
            url,
            season: query.season,
            seasonType: query.seasonType,
            perMode: query.perMode ?? 'Per36',
            fetchedAt: new Date(),
            body,
          };
        } catch (error) {
          lastReason = describe(error, timeoutMs);
          lastRetryable = !(error instanceof AttemptError) || error.retryable;
          if (!lastRetryable) break;
        }
      }
      throw new NbaFetchError(url, lastReason, attempts, lastRetryable);
    } finally {
      lastCallEnded = Date.now();
    }
  }

  return {
    fetchLeagueDashPlayerStats(query) {
      const result = queue.then(() => fetchOnce(query));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
