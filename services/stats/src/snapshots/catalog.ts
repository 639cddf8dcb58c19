import { cursorCodec, fieldPath, HttpProblem, notFound, toPage, Type } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { findSnapshot, listSnapshots, type SnapshotFilter, type SnapshotSummary } from '../db/snapshots.js';
import { type NbaClient, NbaFetchError, type PerMode, type SeasonType } from '../domain/nbaClient.js';
import { MAX_INTEGER } from '../limits.js';
import type { StatsMetrics } from '../metrics.js';
import { type SnapshotMeta, SnapshotInputError, storeResponse, toBadRequest } from './store.js';

/** Stored snapshots: listed, read, fetched from stats.nba.com, imported from a saved response. */

// Newest first; a page ends at a snapshot, whose position the next page looks up.
const cursors = cursorCodec(
  Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_INTEGER }) }, { additionalProperties: false }),
);

export async function snapshotsPage(
  db: Kysely<DB>,
  filter: SnapshotFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: SnapshotSummary[]; nextCursor: string | null }> {
  const after = cursors.decode(page.cursor);
  const rows = await listSnapshots(db, filter, { limit: page.limit + 1, afterId: after?.id });
  return toPage(rows, page.limit, (row) => row, (last) => cursors.encode({ id: last.id }));
}

export async function getSnapshot(db: Kysely<DB>, id: number): Promise<SnapshotSummary> {
  const snapshot = await findSnapshot(db, id);
  if (!snapshot) throw notFound(`snapshot ${id} does not exist`);
  return snapshot;
}

const BODY_FIELDS = {
  season: fieldPath('body', 'season'),
  seasonType: fieldPath('body', 'seasonType'),
  perMode: fieldPath('body', 'perMode'),
};
const QUERY_FIELDS = {
  season: fieldPath('query', 'season'),
  seasonType: fieldPath('query', 'seasonType'),
  perMode: fieldPath('query', 'perMode'),
};

/**
 * Fetches a season from stats.nba.com and stores it. Nothing is stored when the site fails: the
 * caller learns which way. Unreachable or slow is a dependency that is down (503, retry later); a
 * refusal, or an answer that cannot be used, is the site's answer (502).
 */
export async function fetchSnapshot(
  db: Kysely<DB>,
  { nba, metrics }: { nba: NbaClient; metrics: StatsMetrics },
  wanted: { season: string; seasonType: SeasonType; perMode: PerMode },
): Promise<SnapshotSummary> {
  let fetched: Awaited<ReturnType<NbaClient['fetchLeagueDashPlayerStats']>>;
  try {
    fetched = await nba.fetchLeagueDashPlayerStats(wanted);
  } catch (error) {
    if (!(error instanceof NbaFetchError)) throw error;
    throw new HttpProblem(
      error.unavailable ? 503 : 502,
      `stats.nba.com did not answer usably after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}: ${error.reason}. Nothing was stored; retry later or import a saved response (POST /stats/snapshots/import).`,
      { upstream: 'stats.nba.com', attempts: error.attempts, ...(error.unavailable ? { retryAfter: 60 } : {}) },
    );
  }
  try {
    const snapshot = await storeResponse(db, fetched.body, {
      source: 'fetched',
      meta: wanted,
      // The site echoes its parameters; a mismatch with what we asked is the site's fault.
      fieldNames: BODY_FIELDS,
      fetchedAt: fetched.fetchedAt,
      origin: fetched.url,
    });
    metrics.snapshots.inc({ source: 'fetched' });
    return snapshot;
  } catch (error) {
    if (!(error instanceof SnapshotInputError)) throw error;
    throw new HttpProblem(
      502,
      `stats.nba.com answered with an unusable response: ${error.field} ${error.message}. Nothing was stored.`,
      { upstream: 'stats.nba.com' },
    );
  }
}

/** Stores a saved response; season, type and per-mode come from it, the query filling gaps. */
export async function importSnapshot(
  db: Kysely<DB>,
  { metrics }: { metrics: StatsMetrics },
  body: unknown,
  query: SnapshotMeta & { fetchedAt?: string | undefined; origin?: string | undefined },
): Promise<SnapshotSummary> {
  const { fetchedAt, origin, ...meta } = query;
  try {
    const snapshot = await storeResponse(db, body, {
      source: 'imported',
      meta,
      fieldNames: QUERY_FIELDS,
      fetchedAt: fetchedAtOf(fetchedAt),
      origin: origin ?? null,
    });
    metrics.snapshots.inc({ source: 'imported' });
    return snapshot;
  } catch (error) {
    if (error instanceof SnapshotInputError) throw toBadRequest(error);
    throw error;
  }
}

const EARLIEST = new Date('0001-01-01T00:00:00Z').getTime();
const LATEST = new Date('9999-12-31T23:59:59.999Z').getTime();

/**
 * `fetchedAt` as a Date. The date-time format admits leap seconds (23:59:60), which a Date cannot
 * represent, and offsets that move an instant outside 0001–9999 UTC: PostgreSQL has no year 0,
 * and later years have no RFC 3339 spelling to answer with.
 */
function fetchedAtOf(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const ms = new Date(text).getTime();
  if (!(ms >= EARLIEST && ms <= LATEST)) {
    throw new SnapshotInputError(
      fieldPath('query', 'fetchedAt'),
      'must be an instant between 0001-01-01 and 9999-12-31 (UTC), without a leap second',
    );
  }
  return new Date(ms);
}
